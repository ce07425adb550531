# What petitionctl says to an administrator (in the terminal's language). Command names, flags and JSON field names are not here: they are a contract, never translated.

cli-cannot_start = petitionctl: cannot start: { $error }
cli-no_data_dir = No data directory: give one with --data-dir DIR or PETITION_DATA_DIR.
cli-set-expected_assignment = expected FIELD=VALUE, got `{ $key }`
cli-set-unknown_field = unknown field `{ $key }` (the fields: { $fields })

# Typing a passphrase, a PIN or a token
cli-prompt-first = { $what }:{ " " }
cli-prompt-again = { $what } again:{ " " }
cli-prompt-missing = No { $what } was read: type it in a terminal, or give it twice, as two lines on standard input.
cli-prompt-differ = The two { $what }s differ; nothing was set. Run the command again.
cli-prompt-passphrase = Administrator passphrase:{ " " }
cli-prompt-token = Token:{ " " }
cli-prompt-no_token = No token was read: type it in a terminal, or give it as the first line on standard input.
cli-secret-passphrase = administrator passphrase
cli-secret-new_passphrase = new administrator passphrase
cli-secret-pin = administrator PIN
cli-secret-new_pin = new administrator PIN
cli-key-no_current_passphrase = The current passphrase was not read: type it in a terminal, or give it in PETITION_PASSPHRASE.

# draft check, doctor, config
cli-check-ready = Ready to submit.
cli-doctor-integrity = integrity check: { $result }
cli-doctor-search_index = search index: { $ok ->
    [yes] ok
   *[no] damaged
}
cli-doctor-migration = migration { $version } { $description } — { $applied ->
    [yes] applied
   *[no] pending
}
cli-doctor-unknown_migration = migration { $version } — unknown to this version (written by a newer one)
cli-doctor-counts = drafts: { $drafts }, trash: { $trashed }
cli-config-retention_invalid = The retention period must be a whole number of days from 0 to { $max }; nothing was changed.

# Kiosks
cli-kiosk-folder_syntax = --folder takes LABEL=PATH, e.g. --folder Scanner=/srv/scans
cli-kiosk-no_bureau_key = Note: the bureau cannot be reached now, so its public key for sealed exports is not known. Run this again once online, or give it with --bureau-key.
cli-kiosk-exported = { $n } petitions sealed into { $file }

# login, submit, withdraw, outbox, status, sync
cli-login-kept_encrypted = Signed in; the token is kept encrypted in this machine's data: { $url }
cli-login-kept_keyring = Signed in; the token is in the OS keyring: { $url }
cli-login-unchecked = Note: the bureau cannot be reached now, so the token could not be checked. The sign-in is kept; the outbox goes out by itself once online.
cli-submit-queued = Queued; it goes out by itself when the bureau is reachable.
cli-submit-similar = Note: very like { $id } (tracking code { $code }, { $state }), which is still pending. While a matter is being handled, a higher organ will not take it again (Regulations on Letters and Visits, article 19).
cli-step-sent = Sent; the bureau has it.
cli-step-refused = The bureau did not accept this: { $reason }
cli-step-queued = Queued; it goes out by itself when the bureau is reachable.
cli-lookup-waiting = { $key }  { $code }: waiting to be looked up
cli-lookup-found = { $key }  { $code }: found; it is in the outbox now
cli-lookup-refused = { $key }  { $code }: not added by the bureau
cli-track-queued = The bureau cannot be reached now. The tracking code is kept and looked up by itself with the next sync; then this number shows the petition.
cli-withdraw-done = Withdrawn; it is a draft again.
cli-state-waiting_for_network = waiting for network
cli-state-cannot_connect = cannot connect to the bureau
cli-state-uploading = uploading
cli-state-submitting = submitting
cli-state-delivered = delivered
cli-state-needs_attention = needs attention
cli-item = { $id }  { $state }  { $files_sent }/{ $files_total } files  { $bytes_sent }/{ $bytes_total } bytes
cli-item-tracking_code = tracking code { $code }
cli-status-tracking_code = tracking code: { $code }
cli-event-delivered = { $id }  delivered, tracking code  { $code }
cli-event-status = { $id }  { $code }  status: { $state }
cli-event-returned = { $id }  sent back to the drafts; change "{ $field }" and submit again: { $problem }
cli-event-unreachable = bureau not reachable: { $code }
cli-event-step = { $id }  { $step }: { $state }
cli-step-evaluation = rating
cli-step-review = review request (复查)
cli-step-recheck = re-examination request (复核)
cli-step-urge = urge (催办)
cli-step-state-waiting = waiting to be sent
cli-step-state-sent = sent
cli-step-state-refused = not accepted
cli-sync-summary = delivered: { $delivered }, status changes: { $changes }, need attention: { $attention }
cli-account-consent = Before you sign up: the bureau keeps your phone number, name and ID number to confirm who you are, to reply and to contact you, for the periods the Personal Information Protection Law and the petition rules set; this app does not verify the name. You can delete the account at any time (petitionctl account delete).
cli-account-code_sent = A code was sent to the phone (valid for { $minutes } minutes). When it arrives, run: petitionctl account verify --code SIX-DIGITS
cli-account-signed_up = Signed up and signed in: { $phone }
cli-account-signed_in = Signed in: { $phone }
cli-account-claimed = { $n } petitions made at a community kiosk with this number now belong to your account.
cli-account-status-signed_in = Signed in: { $phone }
cli-account-status-token = Signed in with a token from the bureau (not a personal account).
cli-account-status-signed_out = Not signed in.
cli-account-signed_out = Signed out. Drafts and petitions waiting to be sent stay on this computer.
cli-account-delete-confirm = A deleted account cannot be brought back. To delete it, run this again with --yes.
cli-account-deleted = The account is deleted, and this computer is signed out.
