//! `petitionctl catalog`: the places, agencies and categories the form offers, from the shipped
//! national list and the bureau's catalogue kept offline; `catalog sync` fetches the latter.

use std::process::ExitCode;

use clap::Subcommand;
use petition_core::Store;
use serde::Serialize;

use crate::print_json;

/// At most this many places are listed for a search.
const SEARCH_LIMIT: usize = 20;

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Fetch the bureau's catalogue (sending the kept ETag) and keep it; prints one JSON object:
    /// `changed`, and the counts of `regions`, `agencies` and `categories`.
    Sync,
    /// Places matching TEXT (any part of a name, names of the levels, pinyin initials or a code),
    /// best first: `CODE<TAB>full path` a line. Works offline.
    Regions {
        #[arg(long, value_name = "TEXT")]
        search: String,
        #[arg(long)]
        json: bool,
    },
    /// The categories of the bureau's catalogue: `name<TAB>English name` a line.
    Categories {
        #[arg(long)]
        json: bool,
    },
    /// The agencies that serve the place CODE: `name<TAB>English name` a line.
    Agencies {
        #[arg(long, value_name = "CODE")]
        region: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
    name_en: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'a str>,
}

pub async fn run(store: &Store, command: CatalogCommand) -> anyhow::Result<ExitCode> {
    match command {
        CatalogCommand::Sync => print_json(&store.sync_catalog().await?)?,
        CatalogCommand::Regions { search, json } => {
            let catalogue = store.catalog().await?;
            let found = catalogue.places().search(&search, SEARCH_LIMIT);
            if json {
                print_json(&found)?;
            } else {
                for m in found {
                    println!("{}\t{}", m.code, m.path);
                }
            }
        }
        CatalogCommand::Categories { json } => {
            let catalogue = store.catalog().await?;
            let named: Vec<Named> = catalogue
                .categories()
                .iter()
                .map(|c| Named {
                    name: &c.name,
                    name_en: &c.name_en,
                    notice: c.notice.as_deref(),
                })
                .collect();
            print_named(&named, json)?;
        }
        CatalogCommand::Agencies { region, json } => {
            let catalogue = store.catalog().await?;
            let named: Vec<Named> = catalogue
                .agencies_for(region.trim())
                .into_iter()
                .map(|a| Named {
                    name: &a.name,
                    name_en: &a.name_en,
                    notice: None,
                })
                .collect();
            print_named(&named, json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_named(named: &[Named], json: bool) -> anyhow::Result<()> {
    if json {
        print_json(&named)?;
    } else {
        for n in named {
            println!("{}\t{}", n.name, n.name_en);
        }
    }
    Ok(())
}
