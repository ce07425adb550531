# 信访局参考服务器的话。HTTP 应答的 message 由中文和英文两句组成（“中文 / English”，petition_messages::bilingual），
# 客户端按 code 判断，不按文字判断。

# HTTP 应答：bureau-<代码>，同一代码的另一种情形为 bureau-<代码>-<情形>
bureau-bad_request = 请求无法处理，请检查后重试。
bureau-bad_request-malformed = 请求不符合 HTTP 格式，信访局无法读取。
bureau-bad_request-reference = 提交编号应为十位字母和数字，例如 C1YKK-3D5JJ。
bureau-bad_request-sha256 = SHA-256 校验值应为 64 位十六进制数。
bureau-bad_request-since = since 参数应为上次返回的 next_cursor。
bureau-bad_request-upload_cut = 上传中断，请查询位置后续传。
bureau-bad_request-upload_offset = 缺少 Upload-Offset 请求头。
bureau-body_too_large = 请求内容太大，请删减后重试。
bureau-evaluation_not_allowed = 答复之后才能评价，且只能评价一次。
bureau-evaluation_not_allowed-twice = 这件信访已经评价过了。
bureau-headers_too_large = 请求头太大或太多，请精简后重试。
bureau-idempotency_key_invalid = Idempotency-Key 应为信访件的 UUID。
bureau-idempotency_key_invalid-import = 信访件编号不是 UUID。
bureau-idempotency_key_missing = 缺少 Idempotency-Key 请求头（信访件编号）。
bureau-idempotency_key_reused = 这个信访件编号已用于内容不同的提交；修改后的信访件请用新的编号。
bureau-internal = 信访局服务器出错，请稍后重试。
bureau-invalid_json = 请求内容不是有效的 JSON。
bureau-invalid_json-shape = 请求内容缺少字段或字段类型不对，请按接口文档填写。
bureau-invalid_text = 内容中有不能保存的控制字符（NUL），请删去后重试。
bureau-method_not_allowed = 这个接口不支持该请求方法。
bureau-not_found = 没有这个接口，请检查地址。
bureau-petition_not_found = 查不到这个查询码对应的信访件，请核对查询码。
bureau-petition_not_found-reference = 查不到这个提交编号对应的信访件，请核对提交编号；刚从终端导出的信访件要等信访局导入后才能查到。
bureau-rate_limited = 请求过于频繁，请稍后再试。
bureau-request_in_flight = 同一信访件正在提交中，请稍后重试。
bureau-request_timeout = 请求内容长时间没有送达，连接已断开，请重试。
bureau-review_not_allowed-before_reply = 答复之后才能申请复查。
bureau-review_not_allowed-late = 答复已超过 30 天，不能再申请复查。
bureau-review_not_allowed-twice = 已经申请过复查了。
bureau-too_many_attachments = 附件数量超过上限，请合并或删减。
bureau-unauthorized = 缺少或无效的访问令牌，请在设置中重新登记账户或终端。
bureau-unsupported_media_type = 请求的内容类型不对，请发送 JSON。
bureau-unsupported_media_type-patch = 上传内容类型应为 application/offset+octet-stream。
bureau-upload_busy = 这个附件正在上传，请稍后再试。
bureau-upload_checksum_mismatch = 附件校验值不符，上传已作废，请重新上传。
bureau-upload_expired = 上传未按时完成，已被删除，请重新上传附件。
bureau-upload_incomplete = 有附件尚未上传完成或已失效，请重新上传后再提交。
bureau-upload_incomplete-file_name = 有附件没有文件名（或文件名太长）。
bureau-upload_media_type_not_allowed = 不支持这种附件格式，请上传图片或 PDF。
bureau-upload_not_found = 没有这个上传，请重新上传附件。
bureau-upload_offset_mismatch = 上传位置不一致，请按 Upload-Offset 所示位置续传。
bureau-upload_too_large = 附件太大，请压缩或拆分后上传。
bureau-upload_too_large-past_length = 上传内容超过了声明的长度。
bureau-uri_too_long = 请求地址太长，请检查后重试。
bureau-validation_failed = 信访件有需要修改的地方，请按提示逐项修改。
bureau-unknown_region = 问题发生地不在本信访部门的地名表里，请重新选择地点后再提交。
bureau-unknown_category = 问题类别不在本信访部门的类别表里，请重新选择类别后再提交。
bureau-validation_failed-comment = 评价内容太长，请删减。
bureau-validation_failed-review_reason = 请写明申请复查的理由（不超过两万字）。

# petition-bureau import 对操作员说的话（中文一行，英文一行）
bureau-import-unreadable = 无法读取导出包 { $path }：{ $error }
bureau-import-failed = 无法导入 { $path }：{ $reason }（{ $detail }）
bureau-import-midway = 导入中途出错：上面各行的信访件已处理，请再次导入，已送达的不会重复。
bureau-import-rejected = 有 { $n } 件信访未能导入，原因见各行的 message。
bureau-import-wrong_key = 这个导出包不是加密给本信访局的（终端用的公钥与 `petition-bureau key show` 显示的不同），或已损坏。
bureau-import-damaged = 文件不是完整的信访导出包：可能已损坏或未拷贝完整，未导入任何信访件。请从终端重新导出。
bureau-import-newer_format = 导出包的格式比本信访局的版本新，请升级 petition-bureau。
bureau-import-inconsistent = 导出包内容前后不一致（已被改动或损坏），未导入任何信访件。
bureau-import-no_such_kiosk = 没有这个名称的终端令牌，请核对 --kiosk。
bureau-import-ambiguous_kiosk = 有多个终端令牌使用这个名称，无法确定归属。
bureau-import-bureau_failed = 信访局出错，未导入任何信访件。
