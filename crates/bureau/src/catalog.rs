//! The catalogue: regions (Shaanxi, from the national GB/T 2260 list the app ships too),
//! agencies, categories, the 信访 offices letters go to, attachment limits and the key outbox
//! bundles are sealed to. Built once at start; its ETag is a hash of its JSON. A petition's
//! region and category must be in it ([`Served::unknown`]).

use std::collections::HashSet;

use petition_api::{Agency, AttachmentLimits, Catalog, Category, Office, Region, SubmitPetition};
use petition_places::Places;
use petition_rules::model::Field;
use petition_rules::validate::{Problem, ProblemCode};
use sha2::{Digest, Sha256};

use crate::config::Limits;
use crate::error::Error;

/// The province the reference bureau serves (GB/T 2260 prefix): Shaanxi.
const PROVINCE: &str = "61";
/// Its own code.
const PROVINCE_CODE: &str = "610000";

/// The province's own agencies serve every place of it.
const AGENCIES: [(&str, &str); 12] = [
    (
        "陕西省信访局",
        "Shaanxi Provincial Bureau of Letters and Calls",
    ),
    (
        "陕西省住房和城乡建设厅",
        "Shaanxi Department of Housing and Urban-Rural Development",
    ),
    (
        "陕西省人力资源和社会保障厅",
        "Shaanxi Department of Human Resources and Social Security",
    ),
    ("陕西省卫生健康委员会", "Shaanxi Health Commission"),
    ("陕西省教育厅", "Shaanxi Department of Education"),
    ("陕西省公安厅", "Shaanxi Public Security Department"),
    (
        "陕西省自然资源厅",
        "Shaanxi Department of Natural Resources",
    ),
    (
        "陕西省生态环境厅",
        "Shaanxi Department of Ecology and Environment",
    ),
    ("陕西省交通运输厅", "Shaanxi Department of Transport"),
    (
        "陕西省农业农村厅",
        "Shaanxi Department of Agriculture and Rural Affairs",
    ),
    (
        "陕西省市场监督管理局",
        "Shaanxi Administration for Market Regulation",
    ),
    ("陕西省民政厅", "Shaanxi Department of Civil Affairs"),
];

/// Agencies of Xi'an (610100), for its places only.
const CITY_AGENCIES: [(&str, &str); 3] = [
    (
        "西安市住房和城乡建设局",
        "Xi'an Housing and Urban-Rural Development Bureau",
    ),
    (
        "西安市人力资源和社会保障局",
        "Xi'an Human Resources and Social Security Bureau",
    ),
    (
        "西安市市场监督管理局",
        "Xi'an Administration for Market Regulation",
    ),
];

/// A matter a court, an arbitration commission or an administrative review decides is not
/// taken as a petition (诉访分离, 信访工作条例 第三十一条).
const COURT_NOTICE: (&str, &str) = (
    "已经或者依法应当通过诉讼、仲裁、行政复议等法定途径解决的事项，信访部门不予受理，请直接向人民法院、仲裁机构或者行政复议机关提出（《信访工作条例》第三十一条）。",
    "A matter that has gone, or by law must go, to a court, arbitration or administrative review is not taken as a petition: take it to the court, the arbitration commission or the review body (Regulation on Letters and Visits, article 31).",
);

const CATEGORIES: [(&str, &str); 14] = [
    ("城乡建设", "Urban and rural construction"),
    ("劳动社会保障", "Labour and social security"),
    ("卫生健康", "Health"),
    ("疫情防控", "Epidemic prevention and control"),
    ("教育文体", "Education, culture and sports"),
    ("农村农业", "Agriculture and rural affairs"),
    ("自然资源", "Natural resources"),
    ("生态环境", "Ecology and environment"),
    ("交通运输", "Transport"),
    ("政法", "Public security and justice"),
    ("市场监管", "Market regulation"),
    ("民政", "Civil affairs"),
    ("纪检监察", "Discipline inspection"),
    ("其他", "Other"),
];

/// The catalogue as served: its JSON and its ETag.
#[derive(Debug)]
pub struct Served {
    pub catalog: Catalog,
    regions: HashSet<String>,
    categories: HashSet<String>,
    pub json: Vec<u8>,
    pub etag: String,
}

impl Served {
    /// The catalogue, its offices' addresses and postcodes from `offices` (the operator's
    /// [`read_offices`]), each replacing the default office of its region or adding one.
    pub fn new(
        limits: &Limits,
        outbox_recipient: &str,
        offices: &[Office],
    ) -> Result<Served, Error> {
        let regions = regions();
        let agency = |(name, en): &(&str, &str), region: &str| Agency {
            name: (*name).into(),
            name_en: (*en).into(),
            regions: vec![region.into()],
        };
        let category = |(name, en): &(&str, &str)| Category {
            name: (*name).into(),
            name_en: (*en).into(),
            notice: None,
            notice_en: None,
        };
        let catalog = Catalog {
            agencies: AGENCIES
                .iter()
                .map(|a| agency(a, "610000"))
                .chain(CITY_AGENCIES.iter().map(|a| agency(a, "610100")))
                .collect(),
            categories: CATEGORIES
                .iter()
                .map(category)
                .chain([Category {
                    notice: Some(COURT_NOTICE.0.into()),
                    notice_en: Some(COURT_NOTICE.1.into()),
                    ..category(&("涉法涉诉", "Court, arbitration or review matters"))
                }])
                .collect(),
            offices: with_addresses(&regions, offices)?,
            regions,
            attachment_limits: AttachmentLimits {
                max_bytes: limits.max_attachment_bytes,
                max_files: limits.max_attachments,
                media_types: limits.media_types.clone(),
                upload_expiry_seconds: limits.upload_ttl.as_secs(),
            },
            regions_source: petition_places::NATIONAL_SOURCE.into(),
            outbox_recipient: Some(outbox_recipient.into()),
        };
        let json = serde_json::to_vec(&catalog).map_err(|e| Error::Regions(e.to_string()))?;
        let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&json))[..32]);
        Ok(Served {
            regions: catalog.regions.iter().map(|r| r.code.clone()).collect(),
            categories: catalog.categories.iter().map(|c| c.name.clone()).collect(),
            catalog,
            json,
            etag,
        })
    }

    /// The petition's region and category that are not in the catalogue (judged on the text
    /// without surrounding white space, as the rules judge it).
    pub fn unknown(&self, petition: &SubmitPetition) -> Vec<Problem> {
        let mut problems = Vec::new();
        if !self.regions.contains(petition.region.trim()) {
            problems.push(Problem {
                field: Field::Region,
                code: ProblemCode::UnknownRegion,
            });
        }
        if !self.categories.contains(petition.category.trim()) {
            problems.push(Problem {
                field: Field::Category,
                code: ProblemCode::UnknownCategory,
            });
        }
        problems
    }
}

/// Every prefecture's 信访局, named after it, with the address and postcode the operator gave
/// (`given`, which may also add offices of other places of the province). With none given,
/// letters carry the office's name only.
fn with_addresses(regions: &[Region], given: &[Office]) -> Result<Vec<Office>, Error> {
    let mut offices: Vec<Office> = regions
        .iter()
        .filter(|r| r.parent.is_none() || r.parent.as_deref() == Some(PROVINCE_CODE))
        .map(|r| Office {
            region: r.code.clone(),
            name: format!("{}信访局", r.name),
            address: None,
            postcode: None,
        })
        .collect();
    for office in given {
        if !regions.iter().any(|r| r.code == office.region) {
            return Err(Error::Offices(format!(
                "region {} is not a place this bureau serves",
                office.region
            )));
        }
        if office.name.trim().is_empty() {
            return Err(Error::Offices(format!(
                "the office of region {} has no name",
                office.region
            )));
        }
        if let Some(postcode) = &office.postcode
            && !(postcode.len() == 6 && postcode.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::Offices(format!(
                "the postcode of region {} is not six digits",
                office.region
            )));
        }
        match offices.iter_mut().find(|o| o.region == office.region) {
            Some(kept) => *kept = office.clone(),
            None => offices.push(office.clone()),
        }
    }
    Ok(offices)
}

/// The operator's `offices.json` (see [`crate::config::Config::offices_path`]); none when the
/// file is not there.
pub fn read_offices(path: &std::path::Path) -> Result<Vec<Office>, Error> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::Io("read offices.json", e)),
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::Offices(format!(
            "not a JSON list of {{\"region\", \"name\", \"address\", \"postcode\"}}: {e}"
        ))
    })
}

/// The province's places, from the national list.
pub fn regions() -> Vec<Region> {
    let national = Places::national();
    let mut regions = Vec::new();
    let mut level = national.children(None);
    level.retain(|p| p.code.starts_with(PROVINCE));
    while !level.is_empty() {
        let below = level
            .iter()
            .flat_map(|p| national.children(Some(&p.code)))
            .collect();
        regions.extend(level.iter().map(|p| Region {
            code: p.code.clone(),
            name: p.name.clone(),
            parent: p.parent.clone(),
        }));
        level = below;
    }
    regions.sort_by(|a, b| a.code.cmp(&b.code));
    regions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office(region: &str, postcode: Option<&str>) -> Office {
        Office {
            region: region.into(),
            name: "西安市信访局".into(),
            address: Some("西安市未央区凤城路一号".into()),
            postcode: postcode.map(Into::into),
        }
    }

    #[test]
    fn the_operators_offices_give_addresses_and_bad_ones_are_refused_saying_which() {
        let regions = regions();
        let offices =
            with_addresses(&regions, &[office("610100", Some("710016"))]).expect("a good office");
        let xian = offices
            .iter()
            .find(|o| o.region == "610100")
            .expect("Xi'an");
        assert_eq!(xian.postcode.as_deref(), Some("710016"));
        assert_eq!(
            offices.iter().filter(|o| o.region == "610100").count(),
            1,
            "replaced, not added"
        );
        let yulin = offices
            .iter()
            .find(|o| o.region == "610800")
            .expect("Yulin");
        assert_eq!(
            (yulin.name.as_str(), &yulin.address),
            ("榆林市信访局", &None)
        );
        let county = with_addresses(&regions, &[office("610104", None)]).expect("a county");
        assert_eq!(county.len(), offices.len() + 1, "added");

        for (bad, says) in [
            (office("110100", None), "110100"),
            (office("610100", Some("71001")), "six digits"),
            (
                Office {
                    name: " ".into(),
                    ..office("610100", None)
                },
                "no name",
            ),
        ] {
            let e = with_addresses(&regions, &[bad]).expect_err("refused");
            assert!(e.to_string().contains(says), "{e}");
        }
    }

    #[test]
    fn offices_json_is_optional_and_a_broken_one_stops_the_start() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("offices.json");
        assert!(read_offices(&path).expect("none").is_empty());
        std::fs::write(&path, r#"[{"region": "610100", "name": "西安市信访局"}]"#).expect("write");
        assert_eq!(read_offices(&path).expect("one").len(), 1);
        std::fs::write(&path, r#"{"region": "610100"}"#).expect("write");
        let e = read_offices(&path).expect_err("not a list");
        assert!(e.to_string().contains("offices.json"), "{e}");
    }

    #[test]
    fn shaanxi_goes_down_to_counties_and_every_parent_exists() {
        let regions = regions();
        assert!(
            regions
                .iter()
                .any(|r| r.code == "610000" && r.name == "陕西省")
        );
        assert!(
            regions
                .iter()
                .any(|r| r.code == "610113" && r.name == "雁塔区")
        );
        assert!(regions.len() > 100);
        for r in &regions {
            assert!(r.code.starts_with("61"));
            if let Some(p) = &r.parent {
                assert!(
                    regions.iter().any(|q| &q.code == p),
                    "{} has no parent",
                    r.code
                );
            }
        }
        assert!(CATEGORIES.iter().any(|(name, _)| *name == "疫情防控"));
    }
}
