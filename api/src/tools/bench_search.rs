//! `newsdesk bench-search`: indexes generated bilingual articles into a fresh search index and
//! measures indexing throughput, index size and query latency. The data is generated from a
//! fixed seed, so every run indexes the same text.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::search::{self, SearchIndex, SearchKind};
use crate::tools::synthetic::{Rng, sentence};

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
    let mut rng = Rng(crate::tools::synthetic::DEFAULT_SEED);
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
            let mut found = index
                .search(query, &[], 10)
                .map_err(|error| error.to_string())?;
            let mut shown = std::mem::take(&mut found.hits);
            for hit in &mut shown {
                found.highlight(hit).map_err(|error| error.to_string())?;
            }
            hits = shown.len();
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

/// Loads the same generated articles into a scratch SQLite database and times a full reindex from
/// it, as `newsdesk reindex` does it.
pub async fn run_through_database(folder: &Path, articles: i64) -> Result<String, String> {
    use chrono::{Duration as Days, TimeZone, Utc};
    use entities::enums::{ArticleStatus, Locale};
    use entities::{article, section};
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};

    let _ = std::fs::remove_dir_all(folder);
    std::fs::create_dir_all(folder).map_err(|error| error.to_string())?;
    let url = format!("sqlite://{}?mode=rwc", folder.join("bench.db").display());
    let mut options = sea_orm::ConnectOptions::new(url);
    options.sqlx_logging(false);
    let db = sea_orm::Database::connect(options)
        .await
        .map_err(|error| error.to_string())?;
    <migration::Migrator as migration::MigratorTrait>::up(&db, None)
        .await
        .map_err(|error| error.to_string())?;
    let at = Utc
        .with_ymd_and_hms(2024, 4, 12, 0, 0, 0)
        .single()
        .ok_or("bad date")?;
    let section = section::ActiveModel {
        slug: Set("news".into()),
        name_en: Set("News".into()),
        name_zh: Set(None),
        parent_id: Set(None),
        position: Set(0),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&db)
    .await
    .map_err(|error| error.to_string())?;
    let mut rng = Rng(crate::tools::synthetic::DEFAULT_SEED);
    let started = Instant::now();
    let mut batch = Vec::with_capacity(500);
    for n in 1..=articles {
        let (_, _, title, body) = article(&mut rng, n);
        let published = at - Days::minutes(n);
        batch.push(article::ActiveModel {
            slug: Set(format!("article-{n}")),
            locale: Set(if n % 3 == 0 { Locale::Zh } else { Locale::En }),
            title: Set(title),
            summary: Set(None),
            body: Set(body),
            section_id: Set(section.id),
            source_institution_id: Set(None),
            status: Set(ArticleStatus::Published),
            published_at: Set(Some(published)),
            sort_at: Set(published),
            translation_of_id: Set(None),
            owner_id: Set(None),
            version: Set(1),
            created_at: Set(published),
            updated_at: Set(published),
            ..Default::default()
        });
        if batch.len() == 500 || n == articles {
            article::Entity::insert_many(std::mem::take(&mut batch))
                .exec(&db)
                .await
                .map_err(|error| error.to_string())?;
        }
    }
    let loading = started.elapsed();
    let (index, _) = SearchIndex::open(&folder.join("index")).map_err(|error| error.to_string())?;
    let started = Instant::now();
    let count = index
        .rebuild(&db)
        .await
        .map_err(|error| error.to_string())?;
    let reindex = started.elapsed();
    Ok(format!(
        "\nthrough a database: {articles} articles loaded into SQLite in {:.1} s; a full reindex from it took {:.1} s ({count} documents)\n",
        loading.as_secs_f64(),
        reindex.as_secs_f64()
    ))
}
