//! Notices when the machine's network changes (a cable plugged in, Wi-Fi joined, a VPN up), so the
//! engine tries the bureau at once instead of waiting out a backoff that may have grown to
//! minutes. There is no portable event for it; the interfaces' addresses are read every few
//! seconds and compared, which costs one `getifaddrs` call.

use std::collections::BTreeSet;

/// The non-loopback interfaces and their addresses, as comparable strings (`name address`).
pub fn interfaces() -> BTreeSet<String> {
    match if_addrs::get_if_addrs() {
        Ok(list) => list
            .into_iter()
            .filter(|i| !i.is_loopback())
            .map(|i| format!("{} {}", i.name, i.ip()))
            .collect(),
        Err(e) => {
            tracing::debug!(error = %e, "the network interfaces could not be read");
            BTreeSet::new()
        }
    }
}

/// Remembers the last reading of the interfaces and says when a new one differs.
#[derive(Debug)]
pub struct NetWatch<F> {
    read: F,
    last: BTreeSet<String>,
}

impl<F: FnMut() -> BTreeSet<String>> NetWatch<F> {
    /// Starts from what `read` says now.
    pub fn new(mut read: F) -> NetWatch<F> {
        let last = read();
        NetWatch { read, last }
    }

    /// Reads again; `true` when something came, went or changed its address since last time.
    pub fn changed(&mut self) -> bool {
        let now = (self.read)();
        let changed = now != self.last;
        self.last = now;
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_told_once_and_the_same_reading_is_not() {
        let readings = std::cell::RefCell::new(vec![
            vec![],
            vec!["wlan0 192.168.1.20"],
            vec!["wlan0 192.168.1.20"],
            vec!["wlan0 10.0.0.7"],
            vec![],
        ]);
        let mut watch = NetWatch::new(|| {
            readings
                .borrow_mut()
                .remove(0)
                .into_iter()
                .map(str::to_owned)
                .collect()
        });
        assert!(watch.changed(), "Wi-Fi joined");
        assert!(!watch.changed(), "nothing new");
        assert!(watch.changed(), "another address");
        assert!(watch.changed(), "gone");
    }

    #[test]
    fn this_machine_can_be_read() {
        // Loopback is left out, so a reading never holds 127.0.0.1.
        assert!(interfaces().iter().all(|i| !i.ends_with(" 127.0.0.1")));
    }
}
