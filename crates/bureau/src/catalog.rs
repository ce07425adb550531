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
    pub fn new(limits: &Limits, outbox_recipient: &str) -> Result<Served, Error> {
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
            // Every prefecture has its 信访局, named after it; the reference bureau publishes no
            // postal addresses, so letters carry the office's name only.
            offices: regions
                .iter()
                .filter(|r| r.parent.is_none() || r.parent.as_deref() == Some("610000"))
                .map(|r| Office {
                    region: r.code.clone(),
                    name: format!("{}信访局", r.name),
                    address: None,
                    postcode: None,
                })
                .collect(),
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
