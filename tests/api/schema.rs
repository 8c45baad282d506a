//! `schema.graphql` is the output of `newsdesk schema`, and documents everything it declares.

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

fn checked_in() -> String {
    let path = format!("{}/../schema.graphql", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

#[test]
fn the_checked_in_schema_matches_the_code() {
    assert!(
        checked_in() == newsdesk::graphql::sdl(),
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn every_type_and_field_has_a_description() {
    let document = parse_schema(checked_in())
        .unwrap_or_else(|error| panic!("schema.graphql does not parse: {error}"));
    let mut missing = Vec::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = ty.node;
        let name = ty.name.node.to_string();
        if ty.description.is_none() {
            missing.push(name.clone());
        }
        match ty.kind {
            TypeKind::Object(object) => {
                for field in object.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Interface(interface) => {
                for field in interface.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::InputObject(input) => {
                for field in input.fields {
                    if field.node.description.is_none() {
                        missing.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Enum(enumeration) => {
                for value in enumeration.values {
                    if value.node.description.is_none() {
                        missing.push(format!("{name}.{}", value.node.value.node));
                    }
                }
            }
            TypeKind::Scalar | TypeKind::Union(_) => {}
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented in schema.graphql: {missing:?}"
    );
}
