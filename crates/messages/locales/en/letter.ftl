# A petition printed as a formal letter (来信, crates/letter). The letter itself is always printed
# in Chinese: it goes to a Chinese petition bureau. These English texts only name a part of the
# letter in an error an administrator reads.

letter-addressee-default = the petition office
letter-addressee-of_place = { $place } petition bureau
letter-salutation = To { $addressee }:
letter-postcode = Postcode: { $code }
letter-title-default = Petition letter
letter-name = Petitioner's name
letter-id_number = Resident ID number
letter-address = Address
letter-phone = Phone
letter-email = Email
letter-place = Where it happened
letter-agency = Agency concerned
letter-category = Category
letter-purpose = Purpose
letter-request = Request
letter-facts = Facts
letter-reasons = Reasons
letter-attachments = Attachments
letter-attachment = { $n }. { $name } ({ $size })
letter-size-bytes = { $n } bytes
letter-size-kb = { $n } KB
letter-size-mb = { $n } MB
letter-signature = Petitioner (signature):
letter-date = { $day }/{ $month }/{ $year }
letter-page = Page { $page } of { $pages }

# The letter's other parts (named in errors)
letter-part-addressee = addressee
letter-part-addressee_address = addressee's address
letter-part-postcode = postcode
letter-part-reference = reference
letter-part-title = title
letter-reference-tracking_code = Tracking code
letter-reference-submission = Submission number

# 保存信件时建议的文件名（不含 .pdf）/ the suggested file name, without .pdf
letter-file_name = petition letter
