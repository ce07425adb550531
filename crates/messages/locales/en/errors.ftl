# Errors: one message per error code, saying what happened and what to do. The id is the code.

print_slow = The printer has not answered yet; the receipt may still come out. If it does not, write down the reference on the screen and tell the staff. Your petition is submitted either way.
read_aloud_unavailable = Reading aloud does not work right now: this computer's speech is not ready. Read the screen yourself or ask someone nearby to help. Everything you wrote is still here.
print_unavailable = This machine cannot print receipts. Write down the reference on the screen. Your petition is submitted either way.
print_failed = The receipt could not be printed: the printer is not connected or not ready. Write down the reference on the screen, or ask the staff to check the printer. Your petition is submitted either way.
not_ready = Some things still need work; use “Check before submitting” and follow the hints.
not_ready-problems = This petition cannot be submitted yet; fix: { $problems }
not_ready-problem = { $field }: { $problem }
not_ready-separator = { "; " }
not_queued = This petition is not in the outbox.
not_delivered = This petition has not reached the bureau yet, so it cannot be rated, reviewed or urged. Connect to the network and wait for its 查询码 (tracking code).
track_needs_account = To add a petition by its tracking code, first sign in with your mobile number (登录或注册 in the outbox).
tracking_code_invalid = This is not a tracking code. It starts with XF and has 16 letters and digits after it, as on your receipt. Please check it letter by letter.
track_phone_invalid = Give the mobile number written in the petition (11 digits).
lookup_waiting = This tracking code has not been looked up yet: the bureau could not be reached. It is looked up by itself once there is a network; then this number shows the petition.
lookup_refused = The bureau did not add the petition for this tracking code: { $reason } Check the code and the number on the receipt, and add it again.
track_refused = The bureau did not add it. Please check the tracking code and the number, and try again.
already_sent = This petition has already been sent to the bureau and can no longer be withdrawn. Wait for its receipt and the bureau's answer.
no_bureau = Not connected to a bureau yet. Enter the address and token the bureau gave you in the outbox (on the command line: petitionctl login --bureau URL --token TOKEN).
bureau_url_invalid = The bureau address is not valid: it must start with https:// (http:// only for this machine). Check it and enter it again.
not_signed_in = Not signed in to the bureau yet. Enter the token the bureau gave you; once signed in, the outbox is sent by itself.
token_invalid = The token is malformed. Copy the whole token the bureau gave you and try again.
keyring_unavailable = The data is kept encrypted, and the key that opens it is kept where this computer keeps passwords (the system password store). That place cannot be used right now: it may still be locked, or this computer may not have one. Nothing of the data was changed.
token_keyring_unavailable = The bureau's token cannot be kept where this computer keeps passwords (the system password store); it may still be locked. If the computer asks you to unlock it, type the password you log in with, then try again. The token is never kept in a plain file.
bureau_unreachable = The bureau cannot be reached right now; it will be sent by itself once the connection is back.
bureau_name_unresolved = The bureau's address cannot be found (perhaps there is no network yet). It will be sent by itself once connected; if this machine is online, ask the administrator to check the bureau's address.
bureau_timeout = The bureau did not answer in time (the network may be slow). It will try again by itself.
bureau_certificate = The bureau's certificate cannot be verified, so nothing is sent, to protect your data. Your petition is kept on this machine and is not lost. Ask the administrator to check the address or to install the bureau's certificate authority; it is then sent by itself.
bureau_tls_failed = A secure connection to the bureau cannot be made, so nothing is sent. Your petition is kept on this machine and is not lost. Ask the administrator to check the network equipment or the bureau's address.
proxy_failed = The network proxy refused the connection, so nothing is sent. Your petition is kept on this machine and is not lost. Ask the administrator to check the proxy settings.
not_bureau = This address does not answer as the bureau. Check it; on a public Wi-Fi, sign in to the Wi-Fi in a browser first.
token_refused = The bureau does not accept this token (mistyped, expired or revoked), so you are not signed in and nothing was kept. Check the token, or ask the bureau for a new one.
# Signing in failed to connect: nothing was kept (the same codes while sending are above)
sign_in-bureau_certificate = The bureau's certificate cannot be verified, so you are not signed in and nothing was kept. Check the address; if the bureau uses a certificate of its own, have an administrator install its certificate authority in this machine's certificate store, then sign in again.
sign_in-bureau_tls_failed = A secure connection to the bureau cannot be made, so you are not signed in and nothing was kept. Check the address, or have an administrator check the network equipment, then sign in again.
sign_in-proxy_failed = The network proxy refused the connection, so you are not signed in and nothing was kept. Have an administrator check the proxy settings, then sign in again.
sign_in-not_bureau = This address does not answer as a bureau, so you are not signed in and nothing was kept. Check the address; on a public Wi-Fi, sign in to the Wi-Fi in a browser first.
# The bureau answered without saying why
bureau_answer-slow_down = The bureau asked to slow down; it will retry by itself.
bureau_answer-busy = The bureau cannot take it right now; it will retry by itself.
bureau_answer-refused = The bureau refused the request.
folder_unreadable = This folder cannot be read right now. If it is a USB drive, take it out, plug it in again, wait a few seconds and try once more; if that does not help, tell the staff.
file_not_offered = This file is no longer in the folder (the USB drive may have been taken out). Open the folder again and choose once more.
kiosk_forbidden = This is not available on a kiosk.
http_client_failed = A secure connection cannot be set up. Restart Petition Desk; if that does not help, reinstall it.
bad_request = The app made a malformed request and the action did not complete. Try again; if it keeps happening, restart Petition Desk.
file_empty = This file is empty (0 bytes). Choose the original file again.
file_too_large = The file is too large: at most { $mb } MB per file. Use a smaller photo, or split the file into parts, then add it again.
not_image_or_pdf = This file is not an image or PDF. Add photos (JPEG, PNG, WebP, GIF, BMP, TIFF) or PDF files.
image_unsupported = This image uses a variant of its format that cannot be read. Save it as an ordinary JPEG or PNG in an image viewer, then add it again.
image_damaged = The image is damaged or incomplete and cannot be opened. Take the photo or scan again, or copy the original file again.
# { $mp }00 in zh-CN: megapixels times 100 are 万像素 (tens of thousands of pixels), the unit Chinese readers know.
image_too_large = The image is too large: at most { $mp } megapixels. Make it smaller, then add it again.
pdf_damaged = The PDF is damaged or incomplete. Download, scan or export it again, then add it.
too_many_files = At most { $files } files per petition. Remove some you do not need first.
petition_too_large = At most { $total } MB of files per petition in all. Remove files you do not need, or make photos smaller.
file_unreadable = This file cannot be read. Check that it is still where it was and that no other program holds it, then try again.
attachment_not_found = This file is no longer attached; it may have been removed.
attachment_order_invalid = The files changed meanwhile; try again.
attachment_file_damaged = The copy of this file kept on this computer is damaged. Remove it and add the original file again.
attachment_storage_failed = The file could not be stored. Check the free disk space and try again.
processing_failed = Processing this file failed (a fault of the app, not of the file). Try again; if it keeps happening, tell the administrator.
not_found = This petition cannot be found; it may have been deleted for good. Go back to the list and pick another.
not_editable = This petition was submitted (or is in the trash) and cannot be changed. If it is in the trash, restore it first; if it was submitted, duplicate it and edit the copy.
too_long = This is over the length limit; the change was not saved and your text is still in the box. Shorten it and try again.
too_long-field = “{ $field }” holds at most { $max } characters; this change was not saved and your text is still in the box. Shorten it and try again.
value_not_allowed = That value is not one of the choices; choose again.
value_not_allowed-field = The value of “{ $field }” is not one of the choices; pick one from the list.
data_dir_unusable = The data folder cannot be used. Check the free disk space and the folder’s permissions, then reopen Petition Desk.
data_dir_in_use = Petition Desk is already running with this data folder. Switch to the window that is open and close this one.
database_error = The local database reported an error; this action did not complete and what was saved before is unaffected. Try again; if it keeps happening, tell the administrator (who can run `petitionctl doctor`).
migration_failed = The local database could not be upgraded (it may come from a newer Petition Desk). Install the latest version.
pin_invalid = The PIN is 4 to 12 digits; type it again.
not_kiosk = This machine is not set up as a kiosk. An administrator runs `petitionctl kiosk setup`.
bureau_key_unknown = The bureau’s public key for sealed exports is not known yet, so nothing can be exported. Set the kiosk up again while online (petitionctl kiosk setup), or give the key with --bureau-key.
bureau_key_invalid = The bureau’s public key is not valid (it starts with age1). Set the kiosk up again.
export_failed = The sealed export could not be written. Check that the USB drive is plugged in and has free space, then try again. The outbox on this machine is unaffected.
admin_pin_required = Enter the administrator PIN first.
pin_wrong = { $message }
pin_locked = { $message }
pin_wrong-remaining = Wrong PIN. After { $remaining ->
    [one] one more wrong try
   *[other] { $remaining } more wrong tries
}, the administrator panel locks for { $minutes } minutes.
pin_locked-until = The PIN was wrong { $tries } times in a row, so the administrator panel is locked. Try again after { $time } ({ $wait }).
time-today = { $clock } today
time-tomorrow = { $clock } tomorrow
time-date = { $clock } on { $day } { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
time-minutes_left = { $minutes ->
    [one] in 1 minute
   *[other] in { $minutes } minutes
}
unknown = Something unexpected happened: { $message }. Try again.

# The data's key (the system password store, or a passphrase)
data_key_missing = The key of this data folder is not in the OS keyring, so the data cannot be opened; nothing was changed. Log in with the OS account that saved the data; if the keyring was wiped, this data cannot be recovered.
wrong_data_key = The key (or the administrator passphrase) does not open this data; nothing was changed. Check the passphrase and try again, or log in with the OS account that saved the data.
passphrase_required = The data on this machine is protected by an administrator passphrase; enter it to open the data.
passphrase_too_short = The passphrase is too short: use at least 8 characters.
already_set_up = This data folder already has a key or data, so a passphrase cannot be set up for it. Use an empty folder.
key_info_damaged = key.json in the data folder is damaged, so the data cannot be opened; nothing was changed. Restore the file from a backup.
not_passphrase_mode = This data folder's key is kept in the system password store; it has no passphrase to change.
unencrypted_data = The database in this data folder is not encrypted (it comes from an early test version); it was not opened, to protect personal data, and nothing was changed. Use a new data folder.

# Others
ambiguous_id = This id prefix matches more than one petition; type more of the id.
attachment_purged = To protect your privacy this attachment was deleted from this computer after the retention period that followed the bureau's receipt; the bureau keeps the original. The petition's text is still here.
catalog_unavailable = The bureau's list of places and categories cannot be fetched now (perhaps there is no network). You can write as usual: the app has every place in China, and updates the list when online.

# Making a letter
letter_missing_glyph = The letter's typeface has no character for one in “{ $part }”, so no letter was made; what you wrote is still here. Replace that character with a common one or its pinyin, and try again.
letter_failed = The letter could not be made; what you wrote is still here. Try again; if it still fails, ask for technical help.
letter_no_folder = The letter was not saved: the folder { $folder } does not exist. Choose another folder and save again.
letter_cannot_write = The letter was not saved to { $file } ({ $error }). Save it somewhere else, or check whether the disk is full.
letter_print_failed = The letter did not print: the printer is not connected or not ready. Check the printer and try again, or choose “Save as PDF” and print it later. What you wrote is still here.
letter_print_unavailable = This computer cannot print the letter directly. Choose “Save as PDF”, then print it from your PDF viewer.
sign_in_again = Please sign in again. The sign-in expired or was revoked; the petitions waiting to be sent are all kept and go out after you sign in again.
account_offline = The bureau cannot be reached right now, so no code was sent and nothing changed. Connect to the network and try again.
no_code_asked = No code was asked for yet. Enter the phone number and press "Get code" first.
account_refused = The bureau did not accept this sign-in. Please try again later.
account_field_invalid = The phone number, name or ID number is not right. Correct it as the notes say and try again.
code_missing = No code was sent to this number, or a newer one was. Ask for a code first.
code_wrong = That code is not right; check the 6 digits in the text message.
code_voided = The code was entered wrongly 5 times and no longer works. Ask for a new code.
code_expired = The code has expired (it works for 5 minutes). Ask for a new code.
code_used = This code was used already. Ask for a new code.
code_too_soon = A code was just sent. Wait a minute before asking for another.
code_hourly_limit = Too many codes were asked for this number in the last hour. Please try again later.
code_budget_spent = Too many people are asking for codes right now. Please try again later.
account_not_found = This number has not signed up yet. Sign up first.
sms_unavailable = The bureau cannot send text messages right now. Please try again later.
token_expired = Your sign-in has expired; please sign in again.
unauthorized = Please sign in again.
rate_limited = Too many requests; please try again later.
update_not_set_up = This copy of Petition Desk cannot update itself. Ask a member of staff to install the new version. The version you have keeps working.
update_none = There is no new version to install now: the one you have is the newest.
update_unreachable = The update server cannot be reached right now, so no news of a new version came. Try again later; the version you have keeps working and everything you wrote is still here.
update_bad_signature = The new version that was downloaded failed the safety check (its signature does not match); it may have been tampered with, so it was not installed. The version you have keeps working and everything you wrote is still here. Please tell a member of staff.
update_install_failed = The new version was not installed. If the computer asks for an administrator's password, ask a family member or a member of staff to help, then press "Update now" again. The version you have keeps working and everything you wrote is still here.
