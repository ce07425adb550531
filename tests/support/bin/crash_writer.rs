//! Child of the crash-safety test: saves fields of drafts in a loop and prints `saved N` after
//! each save returned, so the parent knows which saves the user would have been told about.
//! Usage: crash-writer DATA_DIR DRAFT_ID START

use std::io::Write;
use std::path::PathBuf;

use petition_core::{Field, Store};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("DATA_DIR"));
    let id = args.next().expect("DRAFT_ID");
    let start: u64 = args.next().expect("START").parse()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = Store::unlock(&dir, None).await?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "ready")?;
        out.flush()?;
        for n in start.. {
            // Alternate between a short field and a long one, so saves differ in size.
            let field = if n.is_multiple_of(2) {
                Field::Title
            } else {
                Field::Facts
            };
            store.drafts().update_field(&id, field, &value(n)).await?;
            writeln!(out, "saved {n}")?;
            out.flush()?;
        }
        Ok(())
    })
}

/// The text written by save `n` (the parent recomputes it to compare).
fn value(n: u64) -> String {
    if n.is_multiple_of(2) {
        format!("第{n}次保存的标题")
    } else {
        format!(
            "第{n}次保存：{}",
            "道路破损，雨天积水。".repeat((n % 50) as usize + 1)
        )
    }
}
