//! The catalogue for the form: the place picker's search and levels, the place a draft holds,
//! and the agencies and categories to choose from. All offline, from the shipped places and the
//! bureau's catalogue kept in the store.

use petition_core::i18n::Lang;
use petition_places::PlaceMatch;
use serde::Serialize;
use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;

type Res<T> = Result<T, CommandError>;

/// At most this many places answer a search.
const SEARCH_LIMIT: usize = 20;

/// The place a draft holds, as the form shows it.
#[derive(Debug, Serialize, specta::Type)]
pub struct ChosenPlace {
    pub code: String,
    /// The province down to the place; empty when the list does not have the code.
    pub path: Vec<PlaceMatch>,
    /// Whether the bureau's catalogue (before one is kept, the shipped list) has it: a draft
    /// whose place is no longer there is shown with a note, its code kept as it is.
    pub known: bool,
}

/// One agency or category, in the language of the UI.
#[derive(Debug, Serialize, specta::Type)]
pub struct CatalogChoice {
    /// What the petition's field holds.
    pub value: String,
    /// What the form shows.
    pub label: String,
    /// For a category: what to know before choosing it.
    pub notice: Option<String>,
}

/// What the form offers for a place: the agencies that serve it and the categories. Both empty
/// before the bureau's catalogue is kept (the form then takes them as typed).
#[derive(Debug, Serialize, specta::Type)]
pub struct CatalogChoices {
    pub agencies: Vec<CatalogChoice>,
    pub categories: Vec<CatalogChoice>,
}

#[tauri::command]
#[specta::specta]
pub async fn search_places(state: State<'_, AppState>, text: String) -> Res<Vec<PlaceMatch>> {
    Ok(state
        .catalogue()
        .await?
        .places()
        .search(&text, SEARCH_LIMIT))
}

/// The provinces (no `code`), or the places directly below `code`.
#[tauri::command]
#[specta::specta]
pub async fn child_places(
    state: State<'_, AppState>,
    code: Option<String>,
) -> Res<Vec<PlaceMatch>> {
    let catalogue = state.catalogue().await?;
    let places = catalogue.places();
    Ok(places
        .children(code.as_deref())
        .into_iter()
        .filter_map(|p| places.describe(&p.code))
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn chosen_place(state: State<'_, AppState>, code: String) -> Res<ChosenPlace> {
    let catalogue = state.catalogue().await?;
    let places = catalogue.places();
    let path = places
        .path(&code)
        .into_iter()
        .filter_map(|p| places.describe(&p.code))
        .collect();
    Ok(ChosenPlace {
        known: catalogue.is_known_region(&code),
        path,
        code,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn catalog_choices(state: State<'_, AppState>, region: String) -> Res<CatalogChoices> {
    let catalogue = state.catalogue().await?;
    let en = state.lang() == Lang::En;
    let label = |zh: &str, english: &str| {
        if en && !english.is_empty() {
            english.to_owned()
        } else {
            zh.to_owned()
        }
    };
    Ok(CatalogChoices {
        agencies: catalogue
            .agencies_for(region.trim())
            .into_iter()
            .map(|a| CatalogChoice {
                value: a.name.clone(),
                label: label(&a.name, &a.name_en),
                notice: None,
            })
            .collect(),
        categories: catalogue
            .categories()
            .iter()
            .map(|c| CatalogChoice {
                value: c.name.clone(),
                label: label(&c.name, &c.name_en),
                notice: match (&c.notice, &c.notice_en) {
                    (Some(_), Some(english)) if en => Some(english.clone()),
                    (notice, _) => notice.clone(),
                },
            })
            .collect(),
    })
}
