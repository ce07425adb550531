// Shared by both bench binaries; each uses only part of it.
#![allow(dead_code)]

//! Realistic petition text for the benchmarks: sentences built from phrases citizens write,
//! drawn with a fixed seed so every run sees the same corpus.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

pub const PLACES: &[&str] = &[
    "雁塔区小寨东路",
    "碑林区南大街",
    "莲湖区西关正街",
    "新城区长乐路",
    "未央区凤城八路",
    "长安区韦曲街道",
    "临潼区骊山街道",
    "高陵区泾渭街道",
    "鄠邑区甘亭街道",
    "宝鸡市渭滨区",
    "咸阳市秦都区",
    "渭南市临渭区",
    "汉中市汉台区",
    "榆林市榆阳区",
    "延安市宝塔区",
];
pub const SUBJECTS: &[&str] = &[
    "小区门前道路",
    "楼道路灯",
    "供暖管道",
    "自来水水质",
    "垃圾清运",
    "夜间施工噪音",
    "农民工工资",
    "拆迁补偿款",
    "医保报销",
    "学校周边交通",
    "菜市场占道经营",
    "电梯维修",
    "物业收费",
    "污水排放",
    "农村公路",
    "养老金发放",
    "疫情防控物资",
    "公交线路",
];
pub const PROBLEMS: &[&str] = &[
    "破损严重，雨天积水",
    "长期无人维修",
    "多次反映仍未解决",
    "影响居民正常生活",
    "存在安全隐患",
    "至今没有答复",
    "拖欠已经半年",
    "标准不公开透明",
    "老人出行十分不便",
    "每晚十一点后仍在施工",
    "气味难闻，蚊虫滋生",
    "孩子上学路上很危险",
];
pub const REQUESTS: &[&str] = &[
    "请有关部门尽快处理",
    "希望依法督促整改",
    "请求给予书面答复",
    "建议增设警示标志",
    "请求按标准发放补偿",
    "希望公开处理结果",
    "请求安排专人维修",
];

/// The 3 755 common characters of GB 2312 level 1, in the standard's order.
const COMMON_CHARS: &str = include_str!("gb2312-level1.txt");

/// A lexicon of made-up words over the common characters, drawn with Zipf's law (a few words are
/// everywhere, most are rare), plus the petition phrases above, which many drafts share.
#[derive(Debug)]
pub struct Writer {
    rng: StdRng,
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Writer {
    pub fn new(seed: u64) -> Writer {
        let mut rng = StdRng::seed_from_u64(seed);
        let chars: Vec<char> = COMMON_CHARS.trim().chars().collect();
        let words: Vec<String> = (0..20_000)
            .map(|_| {
                let len = [1, 2, 2, 2, 3][rng.random_range(0..5)];
                (0..len)
                    .map(|_| *chars.choose(&mut rng).expect("chars"))
                    .collect()
            })
            .collect();
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Writer {
            rng,
            words,
            cumulative,
        }
    }

    fn word(&mut self) -> &str {
        let total = *self.cumulative.last().expect("words");
        let x = self.rng.random_range(0.0..total);
        let i = self.cumulative.partition_point(|&c| c < x);
        &self.words[i.min(self.words.len() - 1)]
    }

    fn sentence(&mut self) -> String {
        let mut s = String::new();
        if self.rng.random_bool(0.5) {
            let phrase = [PLACES, SUBJECTS, PROBLEMS, REQUESTS][self.rng.random_range(0..4)]
                .choose(&mut self.rng)
                .expect("phrases");
            s.push_str(phrase);
        }
        for _ in 0..self.rng.random_range(6..14) {
            let w = self.word().to_owned();
            s.push_str(&w);
        }
        s.push(['，', '。', '；'][self.rng.random_range(0..3)]);
        s
    }

    fn sentences(&mut self, n: std::ops::Range<usize>) -> String {
        let n = self.rng.random_range(n);
        (0..n).map(|_| self.sentence()).collect()
    }

    /// One petition's text.
    pub fn petition(&mut self) -> Text {
        let title = format!(
            "{}{}",
            SUBJECTS.choose(&mut self.rng).expect("subjects"),
            PROBLEMS.choose(&mut self.rng).expect("problems")
        );
        Text {
            title,
            request: self.sentences(1..3),
            facts: self.sentences(8..20),
            reasons: self.sentences(2..5),
        }
    }
}

/// One petition's title, request, facts and reasons.
#[derive(Debug)]
pub struct Text {
    pub title: String,
    pub request: String,
    pub facts: String,
    pub reasons: String,
}

pub fn petitions(n: usize, seed: u64) -> Vec<Text> {
    let mut writer = Writer::new(seed);
    (0..n).map(|_| writer.petition()).collect()
}
