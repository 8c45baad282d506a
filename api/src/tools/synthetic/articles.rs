//! The synthetic articles, bilingual, with their authors, mentions, agreements, tags and
//! media.

use chrono::{DateTime, Duration, Utc};
use entities::enums::{ArticleStatus, EntityType, Locale, MentionRole};
use entities::{
    article, article_agreement, article_author, article_institution, article_person, article_tag,
    media,
};
use sea_orm::{ConnectionTrait, DbErr, Set};

use super::vocabulary::*;
use super::{Generator, insert_all, sentence};

impl Generator {
    /// Articles, newest first one to two hours apart; every third is Chinese, half of those
    /// translate the English article before them. 94% published, 4% drafts, 2% archived.
    pub(super) async fn article_rows<C: ConnectionTrait>(
        &mut self,
        db: &C,
        leaves: &[i64],
        institutions: i64,
        people: i64,
        agreements: i64,
    ) -> Result<(), DbErr> {
        const BATCH: i64 = 5_000;
        let mut at = self.epoch;
        let mut first = 1;
        while first <= self.articles {
            let last = (first + BATCH - 1).min(self.articles);
            let mut rows = Vec::new();
            let mut links = Links::default();
            let mut public = Vec::new();
            for id in first..=last {
                at -= Duration::minutes(60 + self.rng.below(60) as i64);
                let (row, is_public) =
                    self.article(id, at, leaves, institutions, people, agreements, &mut links);
                rows.push(row);
                public.push((id, is_public));
            }
            self.counts.articles += insert_all(db, rows).await?;
            self.counts.media += insert_all(db, links.media).await?;
            self.counts.links += insert_all(db, links.authors).await?
                + insert_all(db, links.people).await?
                + insert_all(db, links.institutions).await?
                + insert_all(db, links.agreements).await?
                + insert_all(db, links.tags).await?;
            self.journal(EntityType::Article, public.into_iter());
            first = last + 1;
        }
        Ok(())
    }

    fn article(
        &mut self,
        id: i64,
        at: DateTime<Utc>,
        leaves: &[i64],
        institutions: i64,
        people: i64,
        agreements: i64,
        links: &mut Links,
    ) -> (article::ActiveModel, bool) {
        let chinese = id % 3 == 0;
        let translation = chinese && id % 6 == 0;
        // Skewed: campus news and media coverage carry about half of the articles.
        let roll = self.rng.below(leaves.len() as u64 * 2) as usize;
        let section = leaves[if roll < leaves.len() { roll } else { roll % 2 }];
        let words = 6 + self.rng.below(4) as usize;
        let title = sentence(&mut self.rng, chinese, words);
        let slug = if translation {
            format!("article-{}", id - 1)
        } else {
            format!("article-{id}")
        };
        let summary = sentence(&mut self.rng, chinese, 16);
        let body = (0..4 + self.rng.below(3))
            .map(|_| {
                (0..3)
                    .map(|_| sentence(&mut self.rng, chinese, 18))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        let roll = self.rng.below(100);
        let status = match roll {
            0..=3 => ArticleStatus::Draft,
            4..=5 => ArticleStatus::Archived,
            _ => ArticleStatus::Published,
        };
        let published_at = (status != ArticleStatus::Draft).then_some(at);
        let source = self.rng.chance(60).then(|| self.rng.id(institutions));
        let row = article::ActiveModel {
            id: Set(id),
            slug: Set(slug),
            locale: Set(if chinese { Locale::Zh } else { Locale::En }),
            title: Set(title),
            summary: Set(Some(summary)),
            body: Set(body),
            section_id: Set(section),
            source_institution_id: Set(source),
            status: Set(status),
            published_at: Set(published_at),
            sort_at: Set(at),
            translation_of_id: Set(translation.then_some(id - 1)),
            owner_id: Set(None),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
        };
        // Links: one or two authors, up to four people mentioned, one to three institutions,
        // an agreement for one in five, up to three media items and up to four tags.
        let first_author = self.rng.id(people);
        for position in 0..(1 + self.rng.below(2) as i64).min(people) {
            links.authors.push(article_author::ActiveModel {
                article_id: Set(id),
                person_id: Set((first_author + position - 1) % people + 1),
                position: Set(position as i32),
            });
        }
        let first_person = self.rng.id(people);
        let roles = [
            MentionRole::Attendee,
            MentionRole::Speaker,
            MentionRole::Quoted,
            MentionRole::Mentioned,
        ];
        for position in 0..(self.rng.below(5) as i64).min(people) {
            let (title_en, _) = TITLES[self.rng.below(TITLES.len() as u64) as usize];
            links.people.push(article_person::ActiveModel {
                article_id: Set(id),
                person_id: Set((first_person + position - 1) % people + 1),
                role: Set(roles[self.rng.below(roles.len() as u64) as usize]),
                title_as_printed: Set(self.rng.chance(50).then(|| title_en.to_owned())),
                position: Set(position as i32),
            });
        }
        let first_institution = self.rng.id(institutions);
        for position in 0..(1 + self.rng.below(3) as i64).min(institutions) {
            let institution = (first_institution + position - 1) % institutions + 1;
            links.institutions.push(article_institution::ActiveModel {
                article_id: Set(id),
                institution_id: Set(institution),
                position: Set(position as i32),
            });
        }
        if self.rng.chance(20) {
            links.agreements.push(article_agreement::ActiveModel {
                article_id: Set(id),
                agreement_id: Set(self.rng.id(agreements)),
                position: Set(0),
            });
        }
        for position in 0..self.rng.below(4) as i32 {
            links.media.push(media::ActiveModel {
                // Four slots per article: ids do not depend on the batch size.
                id: Set((id - 1) * 4 + i64::from(position) + 1),
                article_id: Set(id),
                position: Set(position),
                url: Set(Some(format!(
                    "https://media.example.edu.cn/{}/{id}-{position}.jpg",
                    at.format("%Y/%m")
                ))),
                caption: Set(Some(sentence(&mut self.rng, chinese, 8))),
                alt_text: Set(Some(sentence(&mut self.rng, false, 6))),
                credit: Set(Some("University News Centre".into())),
                width: Set(Some(1_600)),
                height: Set(Some(1_067)),
                created_at: Set(at),
                updated_at: Set(at),
            });
        }
        let first_tag = self.rng.below(TAGS.len() as u64) as i64;
        for position in 0..self.rng.below(5) as i64 {
            links.tags.push(article_tag::ActiveModel {
                article_id: Set(id),
                tag_id: Set((first_tag + position * 3) % TAGS.len() as i64 + 1),
                position: Set(position as i32),
            });
        }
        let public = status == ArticleStatus::Published;
        (row, public)
    }
}
#[derive(Default)]
struct Links {
    authors: Vec<article_author::ActiveModel>,
    people: Vec<article_person::ActiveModel>,
    institutions: Vec<article_institution::ActiveModel>,
    agreements: Vec<article_agreement::ActiveModel>,
    tags: Vec<article_tag::ActiveModel>,
    media: Vec<media::ActiveModel>,
}

/// Lower-case ASCII words joined by hyphens.
pub(super) fn slugify(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}
