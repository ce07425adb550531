//! The served OpenAPI document: the handlers' own declarations (`http::api`), plus what the
//! layers around every handler add, said once here: the errors any operation may answer (no
//! token, the rate limit, a body that is not JSON, a NUL character, an internal failure) and the
//! limits of this bureau's configuration (the media types it takes, the largest attachment, the
//! most attachments). `docs/bureau-api.json` is this document for the default configuration; a
//! test below keeps it so.

use serde_json::{Value, json};

use crate::config::Limits;

/// The document this bureau serves at `/openapi.json`.
pub(crate) fn document(limits: &Limits) -> Value {
    let (_, document) = crate::http::api(limits.max_json_bytes).split_for_parts();
    let mut document = serde_json::to_value(document).expect("the OpenAPI document is plain data");
    add_common_responses(&mut document);
    add_limits(&mut document, limits);
    spell_links(&mut document);
    document
}

/// utoipa 5.5 writes a link's members in snake case (`operation_id`); OpenAPI spells them in
/// camel case (`operationId`), and tools ignore the others.
fn spell_links(document: &mut Value) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    let links = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(Value::as_object_mut))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|response| response.get_mut("links").and_then(Value::as_object_mut))
        .flat_map(|links| links.values_mut())
        .filter_map(Value::as_object_mut);
    for link in links {
        for (snake, camel) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(value) = link.remove(snake) {
                link.insert(camel.to_owned(), value);
            }
        }
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn error(description: &str, with_body: bool) -> Value {
    if with_body {
        json!({
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        })
    } else {
        json!({ "description": description })
    }
}

/// Adds to each operation the answers of the layers around its handler, where the handler's
/// declaration does not already describe that status (its words then list every code).
fn add_common_responses(document: &mut Value) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for (method, op) in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.iter_mut())
        .filter(|(method, _)| METHODS.contains(&method.as_str()))
    {
        // A HEAD answer has no body, so its errors carry only their status.
        let with_body = method != "head";
        let public = op["security"] == json!([{}]);
        let has_input = op["parameters"].as_array().is_some_and(|p| !p.is_empty())
            || op.get("requestBody").is_some();
        let json_body = op["requestBody"]["content"]
            .get("application/json")
            .is_some();
        let mut common = vec![(
            "500",
            "`internal`: the bureau failed; nothing was stored. Try again later.",
        )];
        if !public {
            common.push((
                "401",
                "`unauthorized`: no token, or one the bureau does not know or revoked; `token_expired`: a citizen's token whose time is up. Either way: sign in again",
            ));
            common.push((
                "429",
                "`rate_limited`: too many requests from this token; wait as long as `Retry-After` says",
            ));
        }
        if json_body {
            common.push(("400", "`invalid_json`: the body is not JSON"));
            common.push((
                "408",
                "`request_timeout`: nothing more of the body arrived for the bureau's read timeout; the connection is closed",
            ));
            common.push((
                "413",
                "`body_too_large`: the body is larger than the bureau takes",
            ));
            common.push((
                "415",
                "`unsupported_media_type`: the body is not declared `application/json`",
            ));
            common.push((
                "422",
                "`invalid_json`: a member is missing or of the wrong type; `invalid_text`: a NUL character",
            ));
        } else if has_input {
            common.push((
                "422",
                "`invalid_text`: a NUL character in the path or the query",
            ));
        }
        let responses = op
            .as_object_mut()
            .expect("an operation is an object")
            .entry("responses")
            .or_insert_with(|| json!({}));
        for (status, description) in common {
            if responses.get(status).is_none() {
                let mut answer = error(description, with_body);
                if status == "429" {
                    answer["headers"] = json!({"Retry-After": {
                        "description": "Seconds to wait", "schema": {"type": "integer", "minimum": 0}
                    }});
                }
                responses[status] = answer;
            }
        }
    }
}

/// States this bureau's limits in the schemas, so a client knows them before it sends.
fn add_limits(document: &mut Value, limits: &Limits) {
    let schemas = &mut document["components"]["schemas"];
    let upload = &mut schemas["CreateUpload"]["properties"];
    upload["media_type"]["enum"] = json!(limits.media_types);
    upload["length"]["maximum"] = json!(limits.max_attachment_bytes);
    schemas["SubmitPetition"]["properties"]["attachments"]["maxItems"] =
        json!(limits.max_attachments);
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// `docs/bureau-api.json` is the document of a bureau with the default limits;
    /// `UPDATE_API_DOC=1` rewrites it.
    #[test]
    fn docs_bureau_api_json_is_the_served_document() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/bureau-api.json");
        let mut fresh = serde_json::to_string_pretty(&document(&Limits::default()))
            .expect("the document serialises");
        fresh.push('\n');
        if std::env::var_os("UPDATE_API_DOC").is_some() {
            std::fs::write(&path, &fresh).expect("docs/ is writable");
        }
        let kept = std::fs::read_to_string(&path).expect("docs/bureau-api.json is readable");
        assert!(
            kept == fresh,
            "docs/bureau-api.json is out of date; run `UPDATE_API_DOC=1 cargo test -p petition-bureau contract` and commit it"
        );
    }

    /// Every operation declares the answers every request may get, and every error answer that
    /// has a body is `{code, message}`.
    #[test]
    fn every_operation_declares_its_errors() {
        let document = document(&Limits::default());
        let mut operations = 0;
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("a path item") {
                operations += 1;
                let responses = op["responses"].as_object().expect("responses");
                assert!(responses.contains_key("500"), "{method} {path}: no 500");
                if op["security"] != json!([{}]) {
                    for status in ["401", "429"] {
                        assert!(
                            responses.contains_key(status),
                            "{method} {path}: no {status}"
                        );
                    }
                }
                for (status, answer) in responses {
                    if status.starts_with(['4', '5']) && method != "head" {
                        assert_eq!(
                            answer["content"]["application/json"]["schema"]["$ref"],
                            "#/components/schemas/ErrorBody",
                            "{method} {path} {status}"
                        );
                    }
                }
            }
        }
        assert_eq!(operations, 20);
    }
}
