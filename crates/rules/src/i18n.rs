//! The two languages the app speaks, Chinese first: [`Lang`] lives with the message catalogue
//! (`petition-messages`), which holds every text in both.

pub use petition_messages::{Arg, Lang, bilingual, has, one_language, text};
