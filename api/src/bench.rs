//! `newsdesk bench-search`: indexes generated bilingual articles into a fresh search index and
//! measures indexing throughput, index size and query latency. The data is generated from a
//! fixed seed, so every run indexes the same text.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::search::{self, SearchIndex, SearchKind};

const EN_WORDS: &[&str] = &[
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

const ZH_WORDS: &[&str] = &[
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

/// A deterministic pseudo-random sequence (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[(self.next() % words.len() as u64) as usize]
    }
}

fn sentence(rng: &mut Rng, chinese: bool, words: usize) -> String {
    let parts: Vec<&str> = (0..words)
        .map(|_| rng.pick(if chinese { ZH_WORDS } else { EN_WORDS }))
        .collect();
    if chinese {
        format!("{}。", parts.concat())
    } else {
        format!("{}.", parts.join(" "))
    }
}

/// The `n`th generated article: every third is Chinese.
fn article(rng: &mut Rng, n: i64) -> (SearchKind, i64, String, String) {
    let chinese = n % 3 == 0;
    let title = sentence(rng, chinese, 6);
    let body: Vec<String> = (0..8).map(|_| sentence(rng, chinese, 24)).collect();
    (SearchKind::Article, n, title, body.join(" "))
}

fn folder_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| {
                    entry
                        .metadata()
                        .map(|meta| {
                            if meta.is_dir() {
                                folder_size(&entry.path())
                            } else {
                                meta.len()
                            }
                        })
                        .unwrap_or(0)
                })
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Runs the benchmark in `folder` (emptied first) and returns the report.
pub fn run(folder: &Path, articles: i64, runs: usize) -> Result<String, String> {
    let _ = std::fs::remove_dir_all(folder);
    let (index, _) = SearchIndex::open(folder).map_err(|error| error.to_string())?;
    let mut rng = Rng(0x5EED_2024_0409);
    let started = Instant::now();
    let count = search::add_all(&index, (1..=articles).map(|n| article(&mut rng, n)))
        .map_err(|error| error.to_string())?;
    let indexing = started.elapsed();
    let size = folder_size(folder);
    let mut report = format!(
        "articles indexed: {count}\nindexing: {:.1} s ({:.0} articles/s)\nindex size: {:.1} MiB\n\nquery latency over {runs} runs each (p50 / p99):\n",
        indexing.as_secs_f64(),
        count as f64 / indexing.as_secs_f64().max(0.001),
        size as f64 / 1_048_576.0
    );
    let queries: [(&str, &str); 8] = [
        ("en word", "agreement"),
        ("en word", "vocational"),
        ("en word (stemmed)", "universities"),
        ("en phrase", "\"vocational education\""),
        ("zh word", "对口帮扶"),
        ("zh word", "职业教育"),
        ("zh phrase", "\"产教融合\""),
        ("mixed", "深圳 university"),
    ];
    for (label, query) in queries {
        let mut timings = Vec::with_capacity(runs);
        let mut hits = 0;
        for _ in 0..runs {
            let started = Instant::now();
            hits = index
                .search(query, &[], 10)
                .map_err(|error| error.to_string())?
                .len();
            timings.push(started.elapsed());
        }
        timings.sort();
        report.push_str(&format!(
            "  {label:<18} {query:<24} p50 {:>7.2} ms  p99 {:>7.2} ms  ({hits} hits shown)\n",
            percentile(&timings, 0.5).as_secs_f64() * 1000.0,
            percentile(&timings, 0.99).as_secs_f64() * 1000.0
        ));
    }
    Ok(report)
}
