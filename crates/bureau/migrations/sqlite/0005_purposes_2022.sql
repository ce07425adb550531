-- The kinds of matter of the 信访工作条例 (2022) 第三十一条 replace the purposes of the 2005
-- regulation: 投诉请求 (complaint) is 申诉求决 (claim), 反映情况 (report) is 检举控告
-- (accusation). The body a petition came with stays as it was received.
UPDATE petitions SET purpose = 'claim' WHERE purpose = 'complaint';
UPDATE petitions SET purpose = 'accusation' WHERE purpose = 'report';
