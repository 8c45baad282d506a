//! Title suggestions for a prefix, among what the caller may see.

use entities::{article, institution, person};
use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{AppError, AppResult};

/// Completions for a search box: names of people and institutions, then titles of articles the
/// caller may see, that start with `prefix` (or have a word that does), case-insensitively.
pub async fn suggest<C: sea_orm::ConnectionTrait>(
    db: &C,
    viewer: &crate::reads::Viewer,
    prefix: &str,
    limit: u64,
) -> AppResult<Vec<(String, crate::content::sync::SyncEntity)>> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    use sea_orm::{Condition, IntoSimpleExpr};

    use crate::content::sync::SyncEntity;

    let prefix = prefix.trim();
    if prefix.is_empty() || prefix.chars().count() > 100 {
        return Err(AppError::bad_input(
            "prefix",
            "a prefix has 1 to 100 characters",
        ));
    }
    let escaped: String = prefix
        .to_lowercase()
        .chars()
        .flat_map(|c| {
            if matches!(c, '%' | '_' | '\\') {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect();
    let starts = |column: sea_orm::sea_query::SimpleExpr| {
        let lower = Expr::expr(Func::lower(column));
        Condition::any()
            .add(
                lower
                    .clone()
                    .like(LikeExpr::new(format!("{escaped}%")).escape('\\')),
            )
            .add(lower.like(LikeExpr::new(format!("% {escaped}%")).escape('\\')))
    };
    let mut found: Vec<(String, SyncEntity)> = Vec::new();
    for row in person::Entity::find()
        .filter(
            Condition::any()
                .add(starts(person::Column::NameEn.into_simple_expr()))
                .add(starts(person::Column::NameZh.into_simple_expr())),
        )
        .order_by_asc(person::Column::NameEn)
        .limit(limit)
        .all(db)
        .await?
    {
        found.push((row.name_en.clone(), SyncEntity::Person(row)));
    }
    for row in institution::Entity::find()
        .filter(
            Condition::any()
                .add(starts(institution::Column::NameEn.into_simple_expr()))
                .add(starts(institution::Column::NameZh.into_simple_expr()))
                .add(starts(institution::Column::ShortNameEn.into_simple_expr())),
        )
        .order_by_asc(institution::Column::NameEn)
        .limit(limit)
        .all(db)
        .await?
    {
        found.push((row.name_en.clone(), SyncEntity::Institution(row)));
    }
    for row in article::Entity::find()
        .filter(viewer.article_condition())
        .filter(starts(article::Column::Title.into_simple_expr()))
        .order_by_desc(article::Column::SortAt)
        .limit(limit)
        .all(db)
        .await?
    {
        found.push((row.title.clone(), SyncEntity::Article(row)));
    }
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(found)
}
