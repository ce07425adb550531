# The reference bureau's words. An HTTP answer's message is both languages (“中文 / English”, petition_messages::bilingual);
# clients branch on the code, never on the words.

# HTTP answers: bureau-<code>, and bureau-<code>-<case> for another case of the same code
bureau-bad_request = The request could not be handled; check it and try again.
bureau-bad_request-malformed = The request is not well-formed HTTP; the bureau could not read it.
bureau-bad_request-reference = A submission reference is ten letters and digits, like C1YKK-3D5JJ.
bureau-bad_request-sha256 = The SHA-256 must be 64 hexadecimal digits.
bureau-bad_request-since = `since` must be the next_cursor of an earlier answer.
bureau-bad_request-upload_cut = The upload was cut; ask for the offset and resume.
bureau-bad_request-upload_offset = The Upload-Offset header is missing or not a number.
bureau-body_too_large = The request body is too large; shorten it and try again.
bureau-evaluation_not_allowed = A reply can be rated only after it is given, and only once.
bureau-evaluation_not_allowed-twice = This petition has been rated already.
bureau-headers_too_large = The request's headers are too large or too many; send fewer or shorter ones.
bureau-idempotency_key_invalid = The Idempotency-Key must be the petition's UUID.
bureau-idempotency_key_invalid-import = The petition id is not a UUID.
bureau-idempotency_key_missing = The Idempotency-Key header (the petition's id) is missing.
bureau-idempotency_key_reused = This Idempotency-Key was used with a different body; a changed petition needs a new id.
bureau-internal = The bureau's server failed; try again later.
bureau-invalid_json = The request body is not valid JSON.
bureau-invalid_json-shape = The JSON lacks a field or has one of the wrong type; see the API document.
bureau-invalid_text = A text holds a character that cannot be stored (NUL); remove it and try again.
bureau-method_not_allowed = This endpoint does not take this method.
bureau-not_found = There is no such endpoint; check the address.
bureau-petition_not_found = No petition of yours has this tracking code; check the code.
bureau-petition_not_found-reference = No petition of yours has this submission reference; check it. A petition carried from a kiosk on a USB drive shows once the bureau has imported it.
bureau-rate_limited = Too many requests; wait as long as Retry-After says, then try again.
bureau-request_in_flight = The first submission with this key is still being handled; retry after Retry-After.
bureau-request_timeout = Nothing more of the request arrived for too long; the connection is closed, try again.
bureau-review_not_allowed-before_reply = A review can be requested only after the reply.
bureau-review_not_allowed-late = More than 30 days have passed since the reply; a review can no longer be requested.
bureau-review_not_allowed-twice = A review has been requested already.
bureau-too_many_attachments = More attachments than the bureau takes; merge or drop some.
bureau-unauthorized = The bearer token is missing or unknown; register the account or kiosk again in the settings.
bureau-unsupported_media_type = Wrong Content-Type; send JSON.
bureau-unsupported_media_type-patch = A PATCH body must be application/offset+octet-stream.
bureau-upload_busy = Another PATCH of this upload is running; try again shortly.
bureau-upload_checksum_mismatch = The bytes do not match the SHA-256 given; the upload was discarded, upload it again.
bureau-upload_expired = The upload was not finished in time and is gone; upload the attachment again.
bureau-upload_incomplete = An attachment is not completely uploaded (or has no file name); upload it again, then submit.
bureau-upload_incomplete-file_name = An attachment has no file name (or one that is too long).
bureau-upload_media_type_not_allowed = This kind of attachment is not taken; upload a picture or a PDF.
bureau-upload_not_found = There is no such upload; upload the attachment again.
bureau-upload_offset_mismatch = The PATCH does not start where the bureau's copy ends; resume at Upload-Offset.
bureau-upload_too_large = The attachment is larger than the bureau takes; compress or split it.
bureau-upload_too_large-past_length = The PATCH goes past the length the upload was created with.
bureau-uri_too_long = The request's address (URI) is too long; check it and try again.
bureau-validation_failed = The petition breaks some rules; see the problem of each field.
bureau-unknown_region = The place is not in this bureau's list of places; choose the place again and submit.
bureau-unknown_category = The category is not in this bureau's list; choose the category again and submit.
bureau-validation_failed-comment = The comment is too long; shorten it.
bureau-validation_failed-review_reason = Give the reason for the review request (at most 20,000 characters).

# What petition-bureau import tells the operator (a line in Chinese, one in English)
bureau-import-unreadable = Cannot read the bundle { $path }: { $error }
bureau-import-failed = Cannot import { $path }: { $reason } ({ $detail })
bureau-import-midway = The import failed midway: the lines above stand; import again, nothing is delivered twice.
bureau-import-rejected = { $n } petition(s) could not be imported; each line's message says why.
bureau-import-wrong_key = the bundle is not sealed to this bureau's key (the kiosk used another public key than `petition-bureau key show` prints), or it is damaged.
bureau-import-damaged = the file is not a whole outbox bundle: it may be damaged or cut short; nothing was imported. Export it again at the kiosk.
bureau-import-newer_format = the bundle's format is newer than this bureau reads; upgrade petition-bureau.
bureau-import-inconsistent = the bundle's contents do not agree with themselves (changed or damaged); nothing was imported.
bureau-import-no_such_kiosk = no kiosk token has this name; check --kiosk.
bureau-import-ambiguous_kiosk = several kiosk tokens have this name, so the petitions' owner is unclear.
bureau-import-bureau_failed = the bureau failed; nothing was imported.
