//! Writing an article's links (authors, mentions, agreements, tags, media) as its fields say:
//! the old ones go, the new ones come, in the writer's transaction.

use std::collections::HashSet;

use entities::enums::MentionRole;
use entities::{
    article_agreement, article_author, article_institution, article_person, article_tag, media, tag,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::error::AppResult;

use super::{ArticleFields, now};
/// Replaces the link rows of an article with `fields`' lists.
pub(super) async fn write_links<C: ConnectionTrait>(
    db: &C,
    article_id: i64,
    fields: &ArticleFields,
) -> AppResult<()> {
    article_author::Entity::delete_many()
        .filter(article_author::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    media::Entity::delete_many()
        .filter(media::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    article_person::Entity::delete_many()
        .filter(article_person::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    article_institution::Entity::delete_many()
        .filter(article_institution::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    article_agreement::Entity::delete_many()
        .filter(article_agreement::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    article_tag::Entity::delete_many()
        .filter(article_tag::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;

    for (position, person_id) in fields.authors.iter().enumerate() {
        article_author::ActiveModel {
            article_id: Set(article_id),
            person_id: Set(*person_id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    let at = now();
    for (position, item) in fields.media.iter().enumerate() {
        media::ActiveModel {
            article_id: Set(article_id),
            position: Set(position as i32),
            url: Set(item.url.clone()),
            caption: Set(item.caption.clone()),
            alt_text: Set(item.alt_text.clone()),
            credit: Set(item.credit.clone()),
            width: Set(item.width),
            height: Set(item.height),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    let mut position = 0;
    for mention in &fields.people {
        let roles: HashSet<MentionRole> = mention.roles.iter().copied().collect();
        for role in mention.roles.iter().filter(|role| roles.contains(role)) {
            let exists = article_person::Entity::find_by_id((article_id, mention.person_id, *role))
                .one(db)
                .await?;
            if exists.is_some() {
                continue;
            }
            article_person::ActiveModel {
                article_id: Set(article_id),
                person_id: Set(mention.person_id),
                role: Set(*role),
                title_as_printed: Set(mention.title_as_printed.clone()),
                position: Set(position),
            }
            .insert(db)
            .await?;
            position += 1;
        }
    }
    for (position, institution_id) in fields.institutions.iter().enumerate() {
        article_institution::ActiveModel {
            article_id: Set(article_id),
            institution_id: Set(*institution_id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    for (position, agreement_id) in fields.agreements.iter().enumerate() {
        article_agreement::ActiveModel {
            article_id: Set(article_id),
            agreement_id: Set(*agreement_id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    for (position, slug) in fields.tags.iter().enumerate() {
        let tag_id = match tag::Entity::find()
            .filter(tag::Column::Slug.eq(slug))
            .one(db)
            .await?
        {
            Some(tag) => tag.id,
            None => {
                tag::ActiveModel {
                    slug: Set(slug.clone()),
                    name: Set(slug.replace('-', " ")),
                    ..Default::default()
                }
                .insert(db)
                .await?
                .id
            }
        };
        article_tag::ActiveModel {
            article_id: Set(article_id),
            tag_id: Set(tag_id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
