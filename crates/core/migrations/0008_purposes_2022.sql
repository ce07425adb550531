-- The kinds of matter of the 信访工作条例 (2022) 第三十一条 replace the purposes of the 2005
-- regulation: 投诉请求 (complaint) is 申诉求决 (claim), and 反映情况 (report) is 检举控告
-- (accusation), the reading that keeps the petitioner's name from the people reported on
-- (第三十条). Frozen petitions change too: the bureau reads the old names as the new ones, so a
-- petition queued before this is the same petition to it after.
UPDATE petitions SET purpose = 'claim' WHERE purpose = 'complaint';
UPDATE petitions SET purpose = 'accusation' WHERE purpose = 'report';
