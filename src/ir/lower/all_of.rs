//! `allOf` flattening: an object's own properties merged with those of
//! every member it extends. A property declared by several members is the
//! intersection of its declarations (JSON Schema: an instance must be
//! valid against every `allOf` subschema): `{}` adds no constraint, a
//! narrower re-declaration narrows.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3 as oa;
use openapiv3::{ReferenceOr, Schema, SchemaKind};

use super::{Lowerer, MAX_SCHEMA_DEPTH};
use crate::ir::names;
use crate::ir::{Literal, Object, Property, StringFormat, TypeRef};

/// The parts of an object-like schema that allOf flattening merges: own
/// properties, `required`, `additionalProperties`, allOf members.
type ObjectParts<'s> = (
    Option<&'s IndexMap<String, ReferenceOr<Box<Schema>>>>,
    &'s [String],
    Option<&'s oa::AdditionalProperties>,
    &'s [ReferenceOr<Schema>],
);

/// Every declaration of each property, in `allOf` member order, the
/// properties in the order they are first declared.
pub(super) type Declarations<'s> = IndexMap<String, Vec<&'s ReferenceOr<Box<Schema>>>>;

impl<'a> Lowerer<'a> {
    /// An object definition: own properties plus those of every allOf member,
    /// flattened (first declaration of a property wins its position; all of
    /// them intersect into its type).
    pub(super) fn object(&mut self, ident: &str, schema: &Schema, depth: usize) -> Object {
        let mut props: Declarations<'_> = IndexMap::new();
        let mut required: BTreeSet<String> = BTreeSet::new();
        let mut additional: Option<&oa::AdditionalProperties> = None;
        let mut visited = BTreeSet::new();
        self.collect(schema, &mut props, &mut required, &mut additional, &mut visited, 0);
        let mut properties = Vec::with_capacity(props.len());
        for (name, decls) in &props {
            let hint = format!("{ident}{}", names::pascal(name, "Field"));
            // Declarations that constrain the type, in member order; `{}`
            // (with or without a description or flags) only annotates.
            let typed: Vec<&ReferenceOr<Box<Schema>>> =
                decls.iter().copied().filter(|s| !is_unconstrained(s)).collect();
            let mut ty: Option<TypeRef> = None;
            for s in &typed {
                let t = self.boxed_type_of(&hint, s, depth + 1);
                ty = Some(match ty {
                    None => t,
                    Some(before) => intersect(before, t),
                });
            }
            let ty = ty.unwrap_or(TypeRef::Unknown);
            // readOnly/writeOnly/description on a `$ref` sibling are lost in
            // 3.0; drf-spectacular wraps them in `allOf: [$ref]`, which is an
            // Item here, so reading the items' own data is right. A flag set
            // by any declaration holds; the last description wins.
            let own = |f: fn(&oa::SchemaData) -> bool| {
                decls.iter().any(|s| matches!(s, ReferenceOr::Item(b) if f(&b.schema_data)))
            };
            let doc = decls.iter().rev().find_map(|s| match s {
                ReferenceOr::Item(b) => b.schema_data.description.clone(),
                ReferenceOr::Reference { reference } => self.ref_description(reference),
            });
            properties.push(Property {
                name: name.clone(),
                ty,
                required: required.contains(name),
                read_only: own(|d| d.read_only),
                write_only: own(|d| d.write_only),
                doc,
                deprecated: own(|d| d.deprecated),
            });
        }
        let additional = match additional {
            Some(oa::AdditionalProperties::Schema(s)) => {
                Some(Box::new(self.type_of(&format!("{ident}Value"), s, depth + 1)))
            }
            Some(oa::AdditionalProperties::Any(true)) => Some(Box::new(TypeRef::Unknown)),
            _ => None,
        };
        Object { properties, additional }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn collect<'s>(
        &self,
        schema: &'s Schema,
        props: &mut Declarations<'s>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<&'s oa::AdditionalProperties>,
        visited: &mut BTreeSet<*const Schema>,
        depth: usize,
    ) where
        'a: 's,
    {
        if depth > MAX_SCHEMA_DEPTH || !visited.insert(std::ptr::from_ref(schema)) {
            return; // allOf cycle
        }
        let (own, req, add, all_of): ObjectParts<'s> = match &schema.schema_kind {
            SchemaKind::Type(oa::Type::Object(o)) => {
                (Some(&o.properties), &o.required, o.additional_properties.as_ref(), &[])
            }
            SchemaKind::AllOf { all_of } => (None, &[], None, all_of),
            SchemaKind::Any(a) => {
                (Some(&a.properties), &a.required, a.additional_properties.as_ref(), &a.all_of)
            }
            _ => (None, &[], None, &[]),
        };
        for member in all_of {
            if let Some(m) = self.deref_schema(member) {
                self.collect(m, props, required, additional, visited, depth + 1);
            }
        }
        if let Some(own) = own {
            for (k, v) in own {
                props.entry(k.clone()).or_default().push(v);
            }
        }
        required.extend(req.iter().cloned());
        if add.is_some() {
            *additional = add;
        }
    }
}

/// A declaration that constrains nothing: `{}`, perhaps with annotations
/// (description, readOnly, nullable: a `nullable` re-declaration cannot
/// widen what another member forbids).
pub(super) fn is_unconstrained(s: &ReferenceOr<Box<Schema>>) -> bool {
    match s {
        ReferenceOr::Item(b) => constrains_nothing(b),
        ReferenceOr::Reference { .. } => false,
    }
}

fn constrains_nothing(s: &Schema) -> bool {
    match &s.schema_kind {
        // `type: "null"` (3.1) is only a marker here, and a constraint.
        SchemaKind::Any(a) => {
            *a == oa::AnySchema::default()
                && !s.schema_data.extensions.contains_key("x-apigend-null")
        }
        _ => false,
    }
}

/// The member that types an `allOf`: its only one, or the one that
/// constrains anything when the others only annotate. Box wraps a string,
/// an enum or an array as `allOf: [{type: string, …}, {nullable: false}]`,
/// which is that string, not an object.
pub(super) fn sole_constraint(all_of: &[ReferenceOr<Schema>]) -> Option<&ReferenceOr<Schema>> {
    if let [only] = all_of {
        return Some(only);
    }
    let mut constrained = all_of.iter().filter(|m| match m {
        ReferenceOr::Item(s) => !constrains_nothing(s),
        ReferenceOr::Reference { .. } => true,
    });
    let first = constrained.next()?;
    constrained.next().is_none().then_some(first)
}

/// The type of a value valid against both declarations, as far as the
/// type language says it: null only if both allow it, literals both allow,
/// the narrower of a scalar and what refines it. Where the two cannot be
/// compared (two different named types), the later declaration, the
/// re-declaration, is taken as the narrower one.
pub(super) fn intersect(a: TypeRef, b: TypeRef) -> TypeRef {
    use TypeRef as T;
    match (a, b) {
        (a, b) if a == b => a,
        (T::Unknown, x) | (x, T::Unknown) => x,
        (T::Nullable(x), T::Nullable(y)) => match intersect(*x, *y) {
            n @ (T::Nullable(_) | T::Null | T::Unknown) => n,
            n => T::Nullable(Box::new(n)),
        },
        (T::Nullable(_), T::Null) | (T::Null, T::Nullable(_)) => T::Null,
        (T::Nullable(x), y) | (y, T::Nullable(x)) => intersect(*x, y),
        (T::Literals(x), T::Literals(y)) => {
            let both: Vec<Literal> = x.iter().filter(|l| y.contains(l)).cloned().collect();
            if both.is_empty() { T::Literals(y) } else { T::Literals(both) }
        }
        (T::Literals(l), s) | (s, T::Literals(l)) if is_scalar(&s) => {
            let fit: Vec<Literal> = l.iter().filter(|v| literal_fits(v, &s)).cloned().collect();
            if fit.is_empty() { s } else { T::Literals(fit) }
        }
        (T::Integer, T::Number) | (T::Number, T::Integer) => T::Integer,
        (T::String(StringFormat::Plain), T::String(f))
        | (T::String(f), T::String(StringFormat::Plain)) => T::String(f),
        (T::Array(x), T::Array(y)) => T::Array(Box::new(intersect(*x, *y))),
        (T::Map(x), T::Map(y)) => T::Map(Box::new(intersect(*x, *y))),
        // A named type refines a bare scalar re-declared over it (an enum
        // component under `type: string`), and the other way round.
        (n @ T::Named(_), s) | (s, n @ T::Named(_)) if is_scalar(&s) => n,
        (_, b) => b,
    }
}

fn is_scalar(t: &TypeRef) -> bool {
    matches!(t, TypeRef::String(_) | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean)
}

fn literal_fits(l: &Literal, t: &TypeRef) -> bool {
    matches!(
        (l, t),
        (Literal::Str(_), TypeRef::String(_))
            | (Literal::Int(_), TypeRef::Integer | TypeRef::Number)
            | (Literal::Num(_), TypeRef::Number)
            | (Literal::Bool(_), TypeRef::Boolean)
    )
}
