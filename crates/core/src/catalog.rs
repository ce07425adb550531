//! The bureau's catalogue, kept offline: what the form offers for the place, the agency and the
//! category, and which 信访 office a letter goes to.
//!
//! The places start from the national list the app ships ([`petition_places::Places::national`])
//! so a first start with no network has them; the bureau's catalogue, fetched with its ETag
//! whenever the bureau is reachable ([`Store::sync_catalog`]) and kept in the encrypted database,
//! is laid over them and adds the agencies, categories and offices. Without one, the form offers
//! places only and takes a category as typed; the bureau then checks it.

use petition_api::{Agency, Catalog, Category, Office};
use petition_places::Places;
use serde::Serialize;

use crate::error::Result;
use crate::model::{Field, Petition};
use crate::store::{Store, now_ms};
use crate::sync::{BUREAU_URL_SETTING, SyncError, check_bureau_url};
use crate::validate::{Problem, ProblemCode};

/// The catalogue as the app uses it.
#[derive(Debug, Clone)]
pub struct Catalogue {
    places: Places,
    /// The bureau's, when one was ever fetched.
    bureau: Option<Catalog>,
    etag: Option<String>,
}

/// What a [`Store::sync_catalog`] did (`petitionctl catalog sync` prints it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CatalogSync {
    /// Whether the bureau's catalogue differed from the one kept.
    pub changed: bool,
    pub regions: u32,
    pub agencies: u32,
    pub categories: u32,
}

impl Catalogue {
    /// The shipped places only, as on a first start with no network.
    pub fn shipped() -> Catalogue {
        Catalogue {
            places: Places::national().clone(),
            bureau: None,
            etag: None,
        }
    }

    /// The shipped places with the bureau's catalogue laid over them. A catalogue whose places
    /// do not fit together (a place under a parent it does not have) leaves the shipped places as
    /// they are and adds its agencies and categories only.
    pub fn with_bureau(catalog: Catalog, etag: Option<String>) -> Catalogue {
        let laid = Places::national().with_catalog(
            catalog
                .regions
                .iter()
                .map(|r| (r.code.as_str(), r.name.as_str(), r.parent.as_deref())),
        );
        let places = match laid {
            Ok(places) => places,
            Err(e) => {
                tracing::warn!(error = %e, "the bureau's places do not fit the shipped list");
                Places::national().clone()
            }
        };
        Catalogue {
            places,
            bureau: Some(catalog),
            etag,
        }
    }

    pub fn places(&self) -> &Places {
        &self.places
    }

    /// The bureau's catalogue as it came, if one was ever fetched.
    pub fn bureau(&self) -> Option<&Catalog> {
        self.bureau.as_ref()
    }

    pub fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// The categories to choose from (none before the bureau's catalogue is known).
    pub fn categories(&self) -> &[Category] {
        self.bureau.as_ref().map_or(&[], |c| &c.categories)
    }

    /// The agencies that serve `region` (an agency of no listed place serves all of them), in
    /// the catalogue's order; every agency for an empty region.
    pub fn agencies_for(&self, region: &str) -> Vec<&Agency> {
        let path: Vec<&str> = self
            .places
            .path(region)
            .iter()
            .map(|p| p.code.as_str())
            .collect();
        self.bureau
            .iter()
            .flat_map(|c| &c.agencies)
            .filter(|a| {
                region.is_empty()
                    || a.regions.is_empty()
                    || a.regions.iter().any(|r| path.contains(&r.as_str()))
            })
            .collect()
    }

    /// The 信访 office of `region`: its own, or the nearest one above it.
    pub fn office_for(&self, region: &str) -> Option<&Office> {
        let offices = &self.bureau.as_ref()?.offices;
        self.places
            .path(region)
            .iter()
            .rev()
            .find_map(|p| offices.iter().find(|o| o.region == p.code))
    }

    /// Whether the bureau's catalogue has this place (before one is known, the shipped list):
    /// a draft whose place is not is shown with a note, its code kept as it is.
    pub fn is_known_region(&self, region: &str) -> bool {
        match &self.bureau {
            Some(c) if !c.regions.is_empty() => c.regions.iter().any(|r| r.code == region),
            _ => self.places.get(region).is_some(),
        }
    }

    /// What the bureau's catalogue, once one is kept, would refuse in `petition`: a place it
    /// does not list, a category it does not offer (judged on the text without surrounding white
    /// space, as the rules and the bureau judge it). Empty fields are the rules' to report.
    /// Before a catalogue is kept nothing is refused here: the bureau checks on arrival.
    pub fn problems(&self, petition: &Petition) -> Vec<Problem> {
        let Some(bureau) = &self.bureau else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        let region = petition.region.trim();
        if !region.is_empty() && !bureau.regions.is_empty() && !self.is_known_region(region) {
            problems.push(Problem {
                field: Field::Region,
                code: ProblemCode::UnknownRegion,
            });
        }
        let category = petition.category.trim();
        if !category.is_empty()
            && !bureau.categories.is_empty()
            && !bureau.categories.iter().any(|c| c.name == category)
        {
            problems.push(Problem {
                field: Field::Category,
                code: ProblemCode::UnknownCategory,
            });
        }
        problems
    }
}

impl Store {
    /// The ETag of the kept catalogue, if one is kept: a cheap way to tell whether a
    /// [`Catalogue`] loaded before is still the kept one.
    pub async fn catalog_etag(&self) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT etag FROM catalog WHERE id = 1")
            .fetch_optional(self.reader())
            .await?)
    }

    /// The catalogue kept in the database laid over the shipped places, or the shipped places
    /// alone. A kept catalogue that no longer reads (written by a newer app) counts as none.
    pub async fn catalog(&self) -> Result<Catalogue> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT etag, json FROM catalog WHERE id = 1")
                .fetch_optional(self.reader())
                .await?;
        Ok(match row {
            Some((etag, json)) => match serde_json::from_str::<Catalog>(&json) {
                Ok(catalog) => Catalogue::with_bureau(catalog, Some(etag)),
                Err(_) => {
                    tracing::warn!("the kept catalogue does not read; using the shipped places");
                    Catalogue::shipped()
                }
            },
            None => Catalogue::shipped(),
        })
    }

    /// Fetches the bureau's catalogue, sending the kept ETag so an unchanged one costs a 304,
    /// and keeps a new one. Needs the bureau's address (signing in sets it), not a token.
    pub async fn sync_catalog(&self) -> Result<CatalogSync> {
        let url = self
            .settings()
            .get(BUREAU_URL_SETTING)
            .await?
            .ok_or(SyncError::NoBureau)?;
        let url = check_bureau_url(&url)?;
        let kept = self.catalog().await?;
        let fetched = crate::sync::client::fetch_catalog(&url, kept.etag())
            .await
            .map_err(|failure| {
                tracing::warn!(?failure, "the bureau's catalogue was not fetched");
                SyncError::CatalogUnavailable(failure)
            })?;
        let (changed, catalogue) = match fetched {
            None => (false, kept),
            Some((etag, json, catalog)) => {
                sqlx::query(
                    "INSERT INTO catalog (id, etag, json, fetched_at) VALUES (1, ?, ?, ?) \
                     ON CONFLICT (id) DO UPDATE SET etag = excluded.etag, json = excluded.json, \
                     fetched_at = excluded.fetched_at",
                )
                .bind(&etag)
                .bind(&json)
                .bind(now_ms())
                .execute(self.writer())
                .await?;
                tracing::info!(regions = catalog.regions.len(), "catalogue kept");
                (true, Catalogue::with_bureau(catalog, Some(etag)))
            }
        };
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let bureau = catalogue.bureau();
        Ok(CatalogSync {
            changed,
            regions: count(bureau.map_or(0, |c| c.regions.len())),
            agencies: count(bureau.map_or(0, |c| c.agencies.len())),
            categories: count(bureau.map_or(0, |c| c.categories.len())),
        })
    }
}
