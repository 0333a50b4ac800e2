//! Schemas to types: named definitions, inline types, scalars, arrays, maps
//! and enum literals.

use std::collections::BTreeSet;

use openapiv3 as oa;
use openapiv3::{ReferenceOr, Schema, SchemaKind};

use super::all_of::sole_constraint;
use super::{Lowerer, MAX_SCHEMA_DEPTH};
use crate::ir::names;
use crate::ir::{Literal, StringFormat, TypeDef, TypeKind, TypeRef};

impl<'a> Lowerer<'a> {
    /// A named definition from a schema.
    pub(super) fn def_from_schema(
        &mut self,
        ident: &str,
        origin: String,
        schema: &Schema,
        depth: usize,
    ) -> TypeDef {
        let data = &schema.schema_data;
        let doc = data.description.clone().or_else(|| data.title.clone());
        let kind = self.kind_of(ident, schema, depth);
        TypeDef { name: ident.to_string(), origin, doc, deprecated: data.deprecated, kind }
    }

    pub(super) fn kind_of(&mut self, ident: &str, schema: &Schema, depth: usize) -> TypeKind {
        let nullable = schema.schema_data.nullable;
        if let Some(lits) = literals(schema) {
            let mut lits = lits;
            if nullable && !lits.contains(&Literal::Null) {
                lits.push(Literal::Null);
            }
            return TypeKind::Enum(lits);
        }
        if is_object_like(schema) {
            return TypeKind::Object(self.object(ident, schema, depth));
        }
        let union_members = match &schema.schema_kind {
            SchemaKind::OneOf { one_of } => Some(one_of.as_slice()),
            SchemaKind::AnyOf { any_of } => Some(any_of.as_slice()),
            SchemaKind::Any(a) if !a.one_of.is_empty() => Some(a.one_of.as_slice()),
            SchemaKind::Any(a) if !a.any_of.is_empty() => Some(a.any_of.as_slice()),
            _ => None,
        };
        if let Some(members) = union_members
            && members.len() > 1
        {
            let mut u = self.union(ident, members, schema, depth);
            if nullable && !u.variants.contains(&TypeRef::Null) {
                u.variants.push(TypeRef::Null);
            }
            return TypeKind::Union(u);
        }
        TypeKind::Alias(self.schema_type(ident, schema, depth))
    }

    /// Registers an inline type under a fresh name derived from `hint`.
    pub(super) fn inline_def(
        &mut self,
        hint: &str,
        origin: String,
        schema: &Schema,
        depth: usize,
    ) -> TypeRef {
        let ident = names::unique(type_ident(hint), &mut self.taken);
        let def = self.def_from_schema(&ident, origin, schema, depth);
        self.types.insert(ident.clone(), def);
        TypeRef::Named(ident)
    }

    pub(super) fn type_of(&mut self, hint: &str, s: &ReferenceOr<Schema>, depth: usize) -> TypeRef {
        match s {
            ReferenceOr::Reference { reference } => self.ref_type(reference),
            ReferenceOr::Item(schema) => self.schema_type(hint, schema, depth),
        }
    }

    pub(super) fn boxed_type_of(
        &mut self,
        hint: &str,
        s: &ReferenceOr<Box<Schema>>,
        depth: usize,
    ) -> TypeRef {
        match s {
            ReferenceOr::Reference { reference } => self.ref_type(reference),
            ReferenceOr::Item(schema) => self.schema_type(hint, schema, depth),
        }
    }

    /// The type of an inline schema, naming it when it needs a definition
    /// (objects, discriminated unions).
    pub(super) fn schema_type(&mut self, hint: &str, schema: &Schema, depth: usize) -> TypeRef {
        if depth > MAX_SCHEMA_DEPTH {
            self.warnings.insert(format!(
                "{hint}: schema nests deeper than {MAX_SCHEMA_DEPTH} levels; the rest is typed unknown"
            ));
            return TypeRef::Unknown;
        }
        let nullable = schema.schema_data.nullable;
        let wrap = |t: TypeRef| {
            if nullable && !matches!(t, TypeRef::Unknown | TypeRef::Null | TypeRef::Nullable(_)) {
                TypeRef::Nullable(Box::new(t))
            } else {
                t
            }
        };
        if schema.schema_data.extensions.contains_key("x-apigend-null") {
            return TypeRef::Null;
        }
        if let Some(mut lits) = literals(schema) {
            if nullable && !lits.contains(&Literal::Null) {
                lits.push(Literal::Null);
            }
            return TypeRef::Literals(lits);
        }
        let t = match &schema.schema_kind {
            SchemaKind::Type(oa::Type::String(s)) => string_type(&s.format),
            SchemaKind::Type(oa::Type::Integer(_)) => TypeRef::Integer,
            SchemaKind::Type(oa::Type::Number(_)) => TypeRef::Number,
            SchemaKind::Type(oa::Type::Boolean(_)) => TypeRef::Boolean,
            SchemaKind::Type(oa::Type::Array(a)) => TypeRef::Array(Box::new(match &a.items {
                Some(items) => self.boxed_type_of(&format!("{hint}Item"), items, depth + 1),
                None => TypeRef::Unknown,
            })),
            SchemaKind::Type(oa::Type::Object(o)) if o.properties.is_empty() => {
                self.map_type(hint, o.additional_properties.as_ref(), depth)
            }
            // drf-spectacular's `allOf: [$ref]` wrapper that only adds
            // nullable/readOnly/description is the member itself.
            SchemaKind::AllOf { all_of } if sole_constraint(all_of).is_some() => {
                sole_constraint(all_of)
                    .map_or(TypeRef::Unknown, |m| self.type_of(hint, m, depth + 1))
            }
            SchemaKind::OneOf { one_of: m } | SchemaKind::AnyOf { any_of: m } if m.len() == 1 => {
                self.type_of(hint, &m[0], depth + 1)
            }
            SchemaKind::OneOf { one_of: m } | SchemaKind::AnyOf { any_of: m }
                if schema.schema_data.discriminator.is_none() =>
            {
                let mut variants = Vec::new();
                for (i, v) in m.iter().enumerate() {
                    let t = self.type_of(&format!("{hint}{}", i + 1), v, depth + 1);
                    if !variants.contains(&t) {
                        variants.push(t);
                    }
                }
                if variants.contains(&TypeRef::Unknown) {
                    TypeRef::Unknown
                } else {
                    TypeRef::AnyOf(variants)
                }
            }
            SchemaKind::Any(a) if !is_object_like(schema) => {
                self.any_schema_type(hint, schema, a, depth)
            }
            SchemaKind::Not { .. } => TypeRef::Unknown,
            _ => self.inline_def(hint, hint.to_string(), schema, depth + 1),
        };
        wrap(t)
    }

    pub(super) fn any_schema_type(
        &mut self,
        hint: &str,
        schema: &Schema,
        a: &oa::AnySchema,
        depth: usize,
    ) -> TypeRef {
        if let Some(items) = &a.items {
            return TypeRef::Array(Box::new(self.boxed_type_of(
                &format!("{hint}Item"),
                items,
                depth + 1,
            )));
        }
        let members = if a.one_of.is_empty() { &a.any_of } else { &a.one_of };
        if members.len() == 1 && a.all_of.is_empty() {
            return self.type_of(hint, &members[0], depth + 1);
        }
        if !members.is_empty() {
            return self.inline_def(hint, hint.to_string(), schema, depth + 1);
        }
        if a.all_of.len() == 1 {
            return self.type_of(hint, &a.all_of[0], depth + 1);
        }
        match a.typ.as_deref() {
            Some("string") => string_type(&string_format(a.format.as_deref())),
            Some("integer") => TypeRef::Integer,
            Some("number") => TypeRef::Number,
            Some("boolean") => TypeRef::Boolean,
            Some("array") => TypeRef::Array(Box::new(TypeRef::Unknown)),
            Some("object") => self.map_type(hint, a.additional_properties.as_ref(), depth),
            // Swagger 2's upload type, still seen in converted documents.
            Some("file") => TypeRef::Binary,
            Some(other) => {
                self.warnings.insert(format!("{hint}: unknown `type: {other}`; typed unknown"));
                TypeRef::Unknown
            }
            None => TypeRef::Unknown,
        }
    }

    pub(super) fn map_type(
        &mut self,
        hint: &str,
        additional: Option<&oa::AdditionalProperties>,
        depth: usize,
    ) -> TypeRef {
        match additional {
            Some(oa::AdditionalProperties::Schema(s)) => {
                TypeRef::Map(Box::new(self.type_of(&format!("{hint}Value"), s, depth + 1)))
            }
            _ => TypeRef::Map(Box::new(TypeRef::Unknown)),
        }
    }
}

/// A PascalCase type identifier that is no keyword in either language.
pub(super) fn type_ident(name: &str) -> String {
    let s = names::pascal(name, "Type");
    if names::TS_RESERVED.contains(&s.as_str()) || names::PY_RESERVED.contains(&s.as_str()) {
        format!("{s}Type")
    } else {
        s
    }
}

pub(super) fn is_object_like(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(oa::Type::Object(o)) => !o.properties.is_empty(),
        SchemaKind::AllOf { all_of } => all_of.len() > 1 && sole_constraint(all_of).is_none(),
        SchemaKind::Any(a) => {
            !a.properties.is_empty()
                || (a.all_of.len() > 1 && a.one_of.is_empty() && a.any_of.is_empty())
        }
        _ => false,
    }
}

pub(super) fn literals(schema: &Schema) -> Option<Vec<Literal>> {
    let lits: Vec<Literal> = match &schema.schema_kind {
        SchemaKind::Type(oa::Type::String(s)) if !s.enumeration.is_empty() => s
            .enumeration
            .iter()
            .map(|v| v.as_ref().map_or(Literal::Null, |s| Literal::Str(s.clone())))
            .collect(),
        SchemaKind::Type(oa::Type::Integer(s)) if !s.enumeration.is_empty() => {
            s.enumeration.iter().map(|v| v.map_or(Literal::Null, Literal::Int)).collect()
        }
        SchemaKind::Type(oa::Type::Number(s)) if !s.enumeration.is_empty() => {
            s.enumeration.iter().map(|v| v.map_or(Literal::Null, number_literal)).collect()
        }
        SchemaKind::Type(oa::Type::Boolean(s)) if !s.enumeration.is_empty() => {
            s.enumeration.iter().map(|v| v.map_or(Literal::Null, Literal::Bool)).collect()
        }
        SchemaKind::Any(a) if !a.enumeration.is_empty() && a.properties.is_empty() => {
            a.enumeration.iter().filter_map(json_literal).collect()
        }
        _ => return None,
    };
    // Deduplicate keeping the first of each, through a set: `Vec::contains`
    // made a million-element enum quadratic (issue 7).
    let mut seen: BTreeSet<(u8, String)> = BTreeSet::new();
    let key = |l: &Literal| match l {
        Literal::Str(s) => (0, s.clone()),
        Literal::Int(i) => (1, i.to_string()),
        Literal::Num(n) => (2, n.clone()),
        Literal::Bool(b) => (3, b.to_string()),
        Literal::Null => (4, String::new()),
    };
    let out: Vec<Literal> = lits.into_iter().filter(|l| seen.insert(key(l))).collect();
    if out.is_empty() { None } else { Some(out) }
}

#[allow(clippy::cast_possible_truncation, clippy::float_cmp)]
pub(super) fn number_literal(f: f64) -> Literal {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Literal::Int(f as i64)
    } else {
        Literal::Num(serde_json::Number::from_f64(f).map_or_else(|| "0".into(), |n| n.to_string()))
    }
}

pub(super) fn json_literal(v: &serde_json::Value) -> Option<Literal> {
    Some(match v {
        serde_json::Value::Null => Literal::Null,
        serde_json::Value::Bool(b) => Literal::Bool(*b),
        serde_json::Value::String(s) => Literal::Str(s.clone()),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Literal::Int(i),
            None => Literal::Num(n.to_string()),
        },
        // Objects and arrays in an enum cannot be literal types.
        _ => return None,
    })
}

pub(super) fn is_binary(f: &oa::VariantOrUnknownOrEmpty<oa::StringFormat>) -> bool {
    matches!(f, oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::Binary))
}

pub(super) fn string_format(f: Option<&str>) -> oa::VariantOrUnknownOrEmpty<oa::StringFormat> {
    match f {
        Some("binary") => oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::Binary),
        Some("date") => oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::Date),
        Some("date-time") => oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::DateTime),
        Some(other) => oa::VariantOrUnknownOrEmpty::Unknown(other.to_string()),
        None => oa::VariantOrUnknownOrEmpty::Empty,
    }
}

pub(super) fn string_type(f: &oa::VariantOrUnknownOrEmpty<oa::StringFormat>) -> TypeRef {
    use oa::VariantOrUnknownOrEmpty as V;
    match f {
        V::Item(oa::StringFormat::Binary) => TypeRef::Binary,
        V::Item(oa::StringFormat::Date) => TypeRef::String(StringFormat::Date),
        V::Item(oa::StringFormat::DateTime) => TypeRef::String(StringFormat::DateTime),
        V::Unknown(u) if u == "uuid" => TypeRef::String(StringFormat::Uuid),
        V::Unknown(u) if u == "decimal" => TypeRef::String(StringFormat::Decimal),
        _ => TypeRef::String(StringFormat::Plain),
    }
}
