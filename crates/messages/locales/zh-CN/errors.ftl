# 错误：每个错误代码一条，说明发生了什么、该怎么办。id 就是代码。

print_slow = 打印机还没有回应，回执可能稍后打印出来。如果没有，请把屏幕上的编号抄下来，并告诉工作人员。您的信访事项已经提交，不受影响。
print_unavailable = 这台机器不能打印回执。请把屏幕上的编号抄下来。您的信访事项已经提交，不受影响。
print_failed = 回执没有打印出来：打印机没有连接或没有准备好。请把屏幕上的编号抄下来，或请工作人员检查打印机。您的信访事项已经提交，不受影响。
not_ready = 还有内容需要完善，请先点击“检查能否提交”并按提示修改。
not_ready-problems = 还不能提交，请先修改：{ $problems }
not_ready-problem = { $field }：{ $problem }
not_ready-separator = ；
not_queued = 这份信访事项不在发件箱中。
already_sent = 这份信访事项已经发送给信访部门，不能再撤回。请等待回执和办理结果。
no_bureau = 还没有连接信访部门。请在发件箱中填写信访部门提供的网址和令牌（在命令行中：petitionctl login --bureau 网址 --token 令牌）。
bureau_url_invalid = 信访部门网址不正确：应以 https:// 开头（只有本机地址可以用 http://）。请核对后重新填写。
not_signed_in = 还没有登录信访部门。请填写信访部门提供的令牌；登录后，待发送的信访事项会自动发出。
token_invalid = 令牌格式不对。请把信访部门提供的令牌完整地复制过来，再试一次。
keyring_unavailable = 资料是加密保存的，打开它的钥匙放在这台电脑保管密码的地方（系统密码库），现在那里用不了：可能还没有解锁，也可能这台电脑没有。资料没有任何改动。
token_keyring_unavailable = 无法把信访部门的令牌保存到这台电脑保管密码的地方（系统密码库），可能还没有解锁。如果电脑提示解锁，请输入您登录电脑时用的密码，然后再试。令牌不会保存到普通文件中。
bureau_unreachable = 暂时无法连接信访部门，联网后会自动发送。
bureau_name_unresolved = 找不到信访部门的网址（可能还没有联网）。联网后会自动发送；如果已经联网，请让管理员核对信访部门的网址。
bureau_timeout = 信访部门很久没有应答（网络可能很慢）。稍后会自动重试。
bureau_certificate = 无法验证信访部门的证书，为保护您的信息，暂不发送。信访事项保存在本机，不会丢失。请让管理员核对网址，或安装信访部门的证书（CA），之后会自动发送。
bureau_tls_failed = 无法与信访部门建立安全连接，暂不发送。信访事项保存在本机，不会丢失。请让管理员检查网络设备或信访部门的网址。
proxy_failed = 网络代理拒绝了连接，暂不发送。信访事项保存在本机，不会丢失。请让管理员检查代理设置。
not_bureau = 这个网址的应答不是信访部门发出的。请核对网址；如果用的是公共 Wi-Fi，请先在浏览器中登录 Wi-Fi。
token_refused = 信访部门不接受这个令牌（可能输错了、已过期或已被收回），登录未完成，什么也没有保存。请核对令牌，或向信访部门要一个新的。
# 登录时连接失败：什么也没有保存（发送时的同一代码见上）
sign_in-bureau_certificate = 无法验证信访部门的证书，登录未完成，什么也没有保存。请核对网址；如果信访部门用的是自己的证书，请管理员把它的证书（CA）装到这台机器的证书库中，然后再登录。
sign_in-bureau_tls_failed = 无法与信访部门建立安全连接，登录未完成，什么也没有保存。请核对网址，或请管理员检查网络设备后再登录。
sign_in-proxy_failed = 网络代理拒绝了连接，登录未完成，什么也没有保存。请管理员检查代理设置后再登录。
sign_in-not_bureau = 这个网址的应答不是信访部门发出的，登录未完成，什么也没有保存。请核对网址；如果用的是公共 Wi-Fi，请先在浏览器中登录 Wi-Fi。
# 信访部门的应答没有说明原因时
bureau_answer-slow_down = 信访部门请求过多，稍后会自动重试。
bureau_answer-busy = 信访部门暂时无法处理，稍后会自动重试。
bureau_answer-refused = 信访部门拒绝了这次请求。
folder_unreadable = 这个文件夹现在读不出来。如果是 U 盘，请拔下后重新插好，等几秒再点一次；如果还是不行，请告诉工作人员。
file_not_offered = 这个文件已经不在文件夹里了（可能 U 盘被拔下了）。请重新打开文件夹再选。
kiosk_forbidden = 信访终端上不能使用这项功能。
http_client_failed = 无法准备安全连接。请重新启动信访助手；如果还是不行，请重新安装信访助手。
bad_request = 应用内部请求有误，操作未完成。请重试；若反复出现，请重新启动信访助手。
file_empty = 这个文件是空的（0 字节）。请重新选择原来的文件。
file_too_large = 文件太大：每个文件最多 { $mb } MB。请改用清晰度低一些的照片，或把文件拆成几个，再添加。
not_image_or_pdf = 这个文件不是图片或 PDF。请添加照片（JPEG、PNG、WebP、GIF、BMP、TIFF）或 PDF 文件。
image_unsupported = 这张图片的格式无法读取。请用看图软件另存为常见的 JPEG 或 PNG 后再添加。
image_damaged = 图片已损坏或不完整，无法打开。请重新拍摄、重新扫描，或重新复制原来的文件。
# { $mp }00：百万像素乘以 100 就是万像素，中文读者熟悉的单位。
image_too_large = 图片太大：最多 { $mp }00 万像素。请先缩小图片后再添加。
pdf_damaged = PDF 文件已损坏或不完整。请重新下载、重新扫描或重新导出后再添加。
too_many_files = 每份信访事项最多 { $files } 个文件。请先移除不需要的文件。
petition_too_large = 每份信访事项的材料合计最多 { $total } MB。请移除不需要的文件，或把照片缩小一些。
file_unreadable = 无法读取这个文件。请确认文件还在原处、没有被其他程序占用，然后重试。
attachment_not_found = 找不到这份材料，它可能已被移除。
attachment_order_invalid = 材料顺序已变化，请刷新后重试。
attachment_file_damaged = 本机保存的这份材料已损坏。请移除它，再重新添加原来的文件。
attachment_storage_failed = 无法保存材料。请检查磁盘空间后重试。
processing_failed = 处理这个文件时出错（这是程序的问题，不是文件的问题）。请重试；如果反复出现，请告诉管理员。
not_found = 找不到这份信访事项，它可能已被永久删除。请返回列表重新选择。
not_editable = 这份信访事项已经提交（或在回收站中），不能再修改。在回收站中的，请先恢复；已提交的，可以复制一份再改。
too_long = 内容超过字数上限，本次修改未保存，您的文字仍在输入框中。请删减后再试。
too_long-field = “{ $field }”最多 { $max } 个字，本次修改未保存，您的文字仍在输入框中。请删减后再试。
value_not_allowed = 所选的值不在可选范围内，请重新选择。
value_not_allowed-field = “{ $field }”的取值不在可选范围内，请从列表中选择。
data_dir_unusable = 无法使用数据目录。请检查磁盘空间和文件夹权限后重新打开信访助手。
data_dir_in_use = 信访助手已经在运行，并使用同一个数据目录。请切换到已打开的窗口，并关闭这个窗口。
database_error = 本地数据库出错，本次操作未完成，已保存的内容不受影响。请重试；如果反复出现，请告诉管理员（管理员可以运行 petitionctl doctor 检查）。
migration_failed = 无法升级本地数据库（它可能来自更新版本的信访助手）。请安装最新版本。
pin_invalid = PIN 须为 4 到 12 位数字，请重新输入。
not_kiosk = 这台机器没有设置为信访终端。请管理员运行 petitionctl kiosk setup。
bureau_key_unknown = 还不知道信访部门用于加密导出的公钥，暂时无法导出。请在联网时重新设置信访终端（petitionctl kiosk setup），或用 --bureau-key 指定公钥。
bureau_key_invalid = 信访部门的公钥格式不对（应以 age1 开头）。请重新设置信访终端。
export_failed = 无法写入加密导出文件。请检查 U 盘是否插好、是否有剩余空间，然后重试。本机的待发送内容不受影响。
admin_pin_required = 请先输入管理员 PIN。
pin_wrong = { $message }
pin_locked = { $message }
pin_wrong-remaining = PIN 不正确。再错 { $remaining } 次，管理功能将锁定 { $minutes } 分钟。
pin_locked-until = PIN 连续输错 { $tries } 次，管理功能已锁定。请在{ $time }之后再试（{ $wait }）。
time-today = 今天 { $clock }
time-tomorrow = 明天 { $clock }
time-date = { $month }月{ $day }日 { $clock }
time-minutes_left = 还要等 { $minutes } 分钟
unknown = 出现意外错误：{ $message }。请重试。

# 数据的钥匙（系统密码库或口令）
data_key_missing = 在这台电脑的系统密码库中找不到打开这些资料的钥匙，资料无法打开，但没有任何改动。请用当初保存资料的电脑账户登录；如果系统密码库已被清空，这些资料无法恢复。
wrong_data_key = 密钥（或管理员口令）打不开这些数据，数据未作任何改动。请检查口令后重试，或用当初保存数据的系统账户登录。
passphrase_required = 这台机器的数据由管理员口令保护，请输入口令后打开。
passphrase_too_short = 口令太短，至少需要 8 个字符。请换一个更长的口令。
already_set_up = 这个数据目录已经设置过密钥或已有数据，不能再设置口令。请换一个空目录。
key_info_damaged = 数据目录中的 key.json 已损坏，数据无法打开，但未作任何改动。请从备份恢复该文件。
not_passphrase_mode = 这个数据目录的钥匙保存在系统密码库中，没有口令可改。
unencrypted_data = 数据目录中的数据库未加密（来自早期测试版本），为保护个人信息已拒绝打开，未作任何改动。请换用新的数据目录。

# 其他
ambiguous_id = 这个编号前缀对应多份信访事项，请输入更长的编号。
attachment_purged = 为保护隐私，这份附件已在信访部门确认收到后按保留期限从本机删除；信访部门保存有原件。信访事项的文字仍可查看。
catalog_unavailable = 现在取不到信访部门的地点和类别目录（可能没有网络）。可以照常填写，本机已有全国的地点；联网后会自动更新。

# 生成信件
letter_missing_glyph = 信件的字体里没有“{ $part }”中的某个字，信件没有生成，您写的内容都还在。请把这个字换成常用字或写拼音，再试一次。
letter_failed = 信件没有生成，您写的内容都还在。请再试一次；如果还是不行，请联系技术支持。
letter_no_folder = 信件没有保存：文件夹 { $folder } 不存在。请换一个文件夹再保存。
letter_cannot_write = 信件没有保存到 { $file }（{ $error }）。请换一个位置再保存，或检查磁盘是否已满。
letter_print_failed = 信件没有打印出来：打印机没有连接或没有准备好。请检查打印机后再试，或者点“保存为 PDF”，以后再打印。您写的内容都还在。
letter_print_unavailable = 这台电脑上不能直接打印信件。请点“保存为 PDF”，再用看 PDF 的程序打印。
