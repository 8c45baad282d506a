//! The words, names, places and kinds the synthetic data set is made of.

use entities::enums::InstitutionKind;

/// English words for generated text.
pub(crate) const EN_WORDS: &[&str] = &[
    "university",
    "college",
    "agreement",
    "cooperation",
    "vocational",
    "education",
    "students",
    "faculty",
    "development",
    "exchange",
    "ceremony",
    "president",
    "province",
    "training",
    "industry",
    "enterprise",
    "innovation",
    "talent",
    "curriculum",
    "international",
    "standards",
    "research",
    "campus",
    "teachers",
    "partnership",
    "assistance",
    "pairing",
    "signed",
    "delegation",
    "visit",
    "program",
    "skills",
];

/// Chinese words for generated text.
pub(crate) const ZH_WORDS: &[&str] = &[
    "职业教育",
    "对口帮扶",
    "合作协议",
    "人才培养",
    "产教融合",
    "校企合作",
    "国际交流",
    "师资队伍",
    "课程建设",
    "创新创业",
    "深圳",
    "广西",
    "学院",
    "大学",
    "签约仪式",
    "专业群",
    "高质量发展",
    "技能大赛",
];

/// Slug, English name, Chinese name.
pub(super) type Names = (&'static str, &'static str, &'static str);

pub(super) const SECTIONS: &[(&str, &str, &str, &[Names])] = &[
    (
        "news",
        "News",
        "新闻",
        &[
            ("campus-news", "Campus News", "校园新闻"),
            ("media-coverage", "Media Coverage", "媒体报道"),
            ("announcements", "Announcements", "通知公告"),
        ],
    ),
    (
        "cooperation",
        "Cooperation",
        "合作交流",
        &[
            ("pairing-assistance", "Pairing Assistance", "对口帮扶"),
            ("industry", "Industry Partnerships", "校企合作"),
            ("regional", "Regional Cooperation", "区域合作"),
        ],
    ),
    (
        "international",
        "International",
        "国际交流",
        &[
            ("partnerships", "Partnerships", "国际合作"),
            ("visits", "Visits", "来访出访"),
            ("study-abroad", "Study Abroad", "留学"),
        ],
    ),
    (
        "teaching",
        "Teaching",
        "教育教学",
        &[
            ("programmes", "Programmes", "专业建设"),
            ("competitions", "Skills Competitions", "技能大赛"),
        ],
    ),
    (
        "research",
        "Research",
        "科研",
        &[
            ("achievements", "Achievements", "科研成果"),
            ("projects", "Projects", "科研项目"),
        ],
    ),
    (
        "people",
        "People",
        "人物",
        &[("faculty", "Faculty", "师资"), ("alumni", "Alumni", "校友")],
    ),
];

pub(super) const CITIES: &[(&str, &str, &str)] = &[
    ("Shenzhen", "深圳", "Guangdong"),
    ("Guangzhou", "广州", "Guangdong"),
    ("Dongguan", "东莞", "Guangdong"),
    ("Foshan", "佛山", "Guangdong"),
    ("Nanning", "南宁", "Guangxi"),
    ("Hechi", "河池", "Guangxi"),
    ("Guilin", "桂林", "Guangxi"),
    ("Liuzhou", "柳州", "Guangxi"),
    ("Kashgar", "喀什", "Xinjiang"),
    ("Nyingchi", "林芝", "Tibet"),
    ("Guiyang", "贵阳", "Guizhou"),
    ("Bijie", "毕节", "Guizhou"),
    ("Kunming", "昆明", "Yunnan"),
    ("Zhaotong", "昭通", "Yunnan"),
    ("Chengdu", "成都", "Sichuan"),
    ("Ganzi", "甘孜", "Sichuan"),
    ("Shanghai", "上海", "Shanghai"),
    ("Beijing", "北京", "Beijing"),
    ("Hangzhou", "杭州", "Zhejiang"),
    ("Wuhan", "武汉", "Hubei"),
];

pub(super) const DISCIPLINES: &[(&str, &str)] = &[
    ("Polytechnic", "职业技术"),
    ("Information Technology", "信息技术"),
    ("Industrial", "工业"),
    ("Modern", "现代"),
    ("Agricultural", "农业"),
    ("Light Industry", "轻工"),
    ("Finance and Economics", "财经"),
    ("Transport", "交通"),
    ("Health", "卫生"),
    ("Construction", "建设"),
    ("Mechanical and Electrical", "机电"),
    ("Tourism", "旅游"),
];

pub(super) const INSTITUTION_TYPES: &[(&str, &str, InstitutionKind)] = &[
    ("Vocational College", "职业学院", InstitutionKind::College),
    (
        "Polytechnic University",
        "职业技术大学",
        InstitutionKind::University,
    ),
    ("Technician College", "技师学院", InstitutionKind::College),
    (
        "Secondary Vocational School",
        "中等职业学校",
        InstitutionKind::School,
    ),
    ("University", "大学", InstitutionKind::University),
    ("Group Co., Ltd.", "集团有限公司", InstitutionKind::Company),
    ("Education Bureau", "教育局", InstitutionKind::Government),
];

pub(super) const SURNAMES: &[(&str, &str)] = &[
    ("Wang", "王"),
    ("Li", "李"),
    ("Zhang", "张"),
    ("Liu", "刘"),
    ("Chen", "陈"),
    ("Yang", "杨"),
    ("Huang", "黄"),
    ("Zhao", "赵"),
    ("Wu", "吴"),
    ("Zhou", "周"),
    ("Xu", "徐"),
    ("Sun", "孙"),
    ("Ma", "马"),
    ("Zhu", "朱"),
    ("Hu", "胡"),
    ("Guo", "郭"),
    ("He", "何"),
    ("Lin", "林"),
    ("Luo", "罗"),
    ("Wei", "韦"),
];

pub(super) const GIVEN_NAMES: &[(&str, &str)] = &[
    ("Wei", "伟"),
    ("Fang", "芳"),
    ("Min", "敏"),
    ("Jing", "静"),
    ("Lei", "磊"),
    ("Yang", "洋"),
    ("Yong", "勇"),
    ("Jie", "杰"),
    ("Juan", "娟"),
    ("Tao", "涛"),
    ("Ming", "明"),
    ("Chao", "超"),
    ("Xiuying", "秀英"),
    ("Hua", "华"),
    ("Jianling", "建岭"),
    ("Zhanshan", "占山"),
    ("Weiwei", "伟伟"),
    ("Yanling", "艳玲"),
    ("Shaoguang", "绍光"),
    ("Xianling", "显玲"),
];

pub(super) const TITLES: &[(&str, &str)] = &[
    ("President", "校长"),
    ("Vice President", "副校长"),
    ("Party Secretary", "党委书记"),
    ("Dean", "院长"),
    ("Professor", "教授"),
    ("Associate Professor", "副教授"),
    ("Director", "主任"),
    ("Deputy Director", "副主任"),
    ("Lecturer", "讲师"),
    ("General Manager", "总经理"),
];

pub(super) const AREAS: &[&str] = &[
    "curriculum and professional group development",
    "cadre exchanges",
    "faculty development",
    "international education standards",
    "innovation and entrepreneurship",
    "industry-education integration",
    "student exchange",
    "skills competitions",
];

pub(super) const TAGS: &[(&str, &str)] = &[
    ("vocational-education", "vocational education"),
    ("pairing-assistance", "pairing assistance"),
    ("guangdong-guangxi", "Guangdong-Guangxi"),
    ("double-high", "double high"),
    ("skills-competition", "skills competition"),
    ("industry-education", "industry-education integration"),
    ("international", "international"),
    ("belt-and-road", "Belt and Road"),
    ("alumni", "alumni"),
    ("research", "research"),
    ("ceremony", "ceremony"),
    ("visit", "visit"),
    ("students", "students"),
    ("faculty", "faculty"),
    ("graduation", "graduation"),
    ("admissions", "admissions"),
    ("award", "award"),
    ("innovation", "innovation"),
    ("rural-revitalization", "rural revitalization"),
    ("greater-bay-area", "Greater Bay Area"),
];
