# 打印成书面信件的信访事项（来信，crates/letter）。信件本身总是用中文打印：它寄往中国的信访部门；
# 英文只用于向管理员说明错误时提到信件的某一部分。

letter-addressee-default = 信访部门
letter-addressee-of_place = { $place }信访局
letter-salutation = { $addressee }：
letter-postcode = 邮政编码：{ $code }
letter-title-default = 信访信
letter-name = 信访人姓名
letter-id_number = 公民身份号码
letter-address = 住址
letter-phone = 联系电话
letter-email = 电子邮箱
letter-place = 问题发生地
letter-agency = 涉及单位
letter-category = 问题类别
letter-purpose = 信访目的
letter-request = 信访请求
letter-facts = 事实
letter-reasons = 理由
letter-attachments = 附件
letter-attachment = { $n }. { $name }（{ $size }）
letter-size-bytes = { $n } 字节
letter-size-kb = { $n } KB
letter-size-mb = { $n } MB
letter-signature = 信访人（签名）：
letter-date = { $year }年{ $month }月{ $day }日
letter-page = 第 { $page } 页 共 { $pages } 页

# 信件的其他部分（错误信息里提到它们）
letter-part-addressee = 收信单位
letter-part-addressee_address = 收信地址
letter-part-postcode = 邮政编码
letter-part-reference = 编号
letter-part-title = 标题
letter-reference-tracking_code = 查询码
letter-reference-submission = 提交编号

# 保存信件时建议的文件名（不含 .pdf）/ the suggested file name, without .pdf
letter-file_name = 信访信件
