# petitionctl 对管理员说的话（终端的语言）。命令名、参数和 JSON 字段名不在这里：它们是约定，不翻译。

cli-cannot_start = petitionctl：无法启动：{ $error }
cli-no_data_dir = 找不到数据目录：请用 --data-dir DIR 或 PETITION_DATA_DIR 指定。
cli-set-expected_assignment = 应写成 字段=值，收到的是 `{ $key }`
cli-set-unknown_field = 没有名为 `{ $key }` 的字段（可用的字段：{ $fields }）

# 输入口令、PIN 和令牌
cli-prompt-first = 请输入{ $what }：
cli-prompt-again = 请再输入一次{ $what }：
cli-prompt-missing = 没有读到{ $what }：请在终端输入，或在标准输入中给出两行相同的内容。
cli-prompt-differ = 两次输入的{ $what }不一致，未作任何设置。请重新运行。
cli-prompt-passphrase = 请输入管理员口令：
cli-prompt-token = 请输入令牌：
cli-prompt-no_token = 没有读到令牌：请在终端输入，或在标准输入的第一行给出。
cli-secret-passphrase = 管理员口令
cli-secret-new_passphrase = 新的管理员口令
cli-secret-pin = 管理员 PIN
cli-secret-new_pin = 新的管理员 PIN
cli-key-no_current_passphrase = 没有读到现在的口令：请在终端输入，或用 PETITION_PASSPHRASE 给出。

# draft check、doctor、config
cli-check-ready = 可以提交。
cli-doctor-integrity = 完整性检查: { $result }
cli-doctor-search_index = 搜索索引: { $ok ->
    [yes] ok
   *[no] 损坏
}
cli-doctor-migration = 迁移 { $version } { $description } — { $applied ->
    [yes] 已应用
   *[no] 未应用
}
cli-doctor-unknown_migration = 迁移 { $version } — 本版本不认识（来自更新的版本）
cli-doctor-counts = 草稿: { $drafts }, 回收站: { $trashed }
cli-config-retention_invalid = 保留天数须为 0 到 { $max } 之间的整数，未作更改。

# 信访终端
cli-kiosk-folder_syntax = --folder 须写成 名称=路径，例如 --folder 扫描仪=/srv/scans
cli-kiosk-no_bureau_key = 注意：信访部门暂时无法连接，还不知道加密导出所需的公钥。联网后请再运行一次本命令，或用 --bureau-key 指定。
cli-kiosk-exported = 已将 { $n } 份信访事项加密导出到 { $file }

# login、submit、withdraw、outbox、status、sync
cli-login-kept_encrypted = 已登录，令牌加密保存在本机数据中：{ $url }
cli-login-kept_keyring = 已登录，令牌保存在这台电脑的系统密码库中：{ $url }
cli-login-unchecked = 注意：信访局暂时无法连接，没能核对令牌。登录信息已保存，联网后自动发送。
cli-submit-queued = 已加入待发送列表，联网后自动发送。
cli-submit-similar = 注意：与尚未办结的 { $id }（查询码 { $code }，{ $state }）很像。同一件事正在办理时，上级机关不会再受理（《信访工作条例》第十九条）。
cli-step-sent = 已送达信访部门。
cli-step-refused = 信访部门没有接受：{ $reason }
cli-step-queued = 已加入待发送列表，联网后自动发送。
cli-lookup-waiting = { $key }  { $code }：等待查询
cli-lookup-found = { $key }  { $code }：已查到，已加入发件箱
cli-lookup-refused = { $key }  { $code }：信访部门没有添加
cli-track-queued = 现在连不上信访部门。查询码已记下，下次同步时自动去查；查到后用这个编号就能看到这件事项。
cli-withdraw-done = 已撤回为草稿。
cli-state-waiting_for_network = 等待网络
cli-state-cannot_connect = 无法连接信访局
cli-state-uploading = 上传中
cli-state-submitting = 提交中
cli-state-delivered = 已送达
cli-state-needs_attention = 需要处理
cli-item = { $id }  { $state }  { $files_sent }/{ $files_total } 个附件  { $bytes_sent }/{ $bytes_total } bytes
cli-item-tracking_code = 查询码 { $code }
cli-status-tracking_code = 查询码: { $code }
cli-event-delivered = { $id }  已送达，查询码  { $code }
cli-event-status = { $id }  { $code }  状态更新：{ $state }
cli-event-returned = { $id }  退回草稿，请修改「{ $field }」后再提交：{ $problem }
cli-event-unreachable = 信访局暂不可达：{ $code }
cli-event-step = { $id }  { $step }：{ $state }
cli-step-evaluation = 满意度评价
cli-step-review = 申请复查
cli-step-recheck = 申请复核
cli-step-urge = 催办
cli-step-state-waiting = 等待发送
cli-step-state-sent = 已送达
cli-step-state-refused = 未被接受
cli-sync-summary = 本次送达: { $delivered }, 状态更新: { $changes }, 需要处理: { $attention }
cli-account-consent = 注册须知：信访部门保存您的手机号、姓名和身份证号，用于核实身份、答复和联系您，按《个人信息保护法》和信访工作规定的期限保存；本应用不核验姓名。可以随时注销账号（petitionctl account delete）。
cli-account-code_sent = 验证码已发送到手机（{ $minutes } 分钟内有效）。收到后运行：petitionctl account verify --code 六位数字
cli-account-signed_up = 注册成功，已登录：{ $phone }
cli-account-signed_in = 已登录：{ $phone }
cli-account-claimed = 在社区服务点用这个手机号提交的 { $n } 件信访事项已归入您的账号。
cli-account-status-signed_in = 已登录：{ $phone }
cli-account-status-token = 已用信访部门提供的令牌登录（不是个人账号）。
cli-account-status-signed_out = 没有登录。
cli-account-signed_out = 已退出登录。草稿和待发送的信访事项都保留在这台电脑上。
cli-account-delete-confirm = 注销账号后不能恢复。确定要注销，请加上 --yes 再运行一次。
cli-account-deleted = 账号已注销，这台电脑已退出登录。
