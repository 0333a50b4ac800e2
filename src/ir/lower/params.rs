//! Operation parameters: path-level and operation-level merged, undeclared
//! template parameters added, identifiers assigned.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3 as oa;
use openapiv3::ReferenceOr;

use super::Lowerer;
use crate::ir::names;
use crate::ir::{Param, ParamLocation, ParamStyle, StringFormat, TypeRef};

impl<'a> Lowerer<'a> {
    pub(super) fn params(
        &mut self,
        path: &str,
        item: &oa::PathItem,
        op: &oa::Operation,
        hint: &str,
    ) -> Vec<Param> {
        // Operation-level parameters override path-level ones by (name, in).
        let mut by_key: BTreeMap<(ParamLocation, String), Param> = BTreeMap::new();
        for p in item.parameters.iter().chain(op.parameters.iter()) {
            let Some(param) = self.param(p, hint) else { continue };
            if matches!(param.location, ParamLocation::Header | ParamLocation::Cookie)
                && !crate::ir::wire::is_token(&param.name)
            {
                let location =
                    if param.location == ParamLocation::Header { "header" } else { "cookie" };
                self.warnings.insert(format!(
                    "{location} parameter `{}` of `{path}` ({hint}): not a valid HTTP {location} \
                     name (RFC 9110 §5.6.2 token), no HTTP client can send it; left out of the \
                     clients",
                    param.name.escape_default(),
                ));
                continue;
            }
            by_key.insert((param.location, param.name.clone()), param);
        }
        // Path parameters used in the template but not declared.
        let in_template: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
            .collect();
        for n in &in_template {
            by_key.entry((ParamLocation::Path, n.clone())).or_insert_with(|| Param {
                name: n.clone(),
                ident: String::new(),
                location: ParamLocation::Path,
                required: true,
                ty: TypeRef::String(StringFormat::Plain),
                doc: None,
                style: ParamStyle::Simple,
                explode: false,
            });
        }
        let mut params: Vec<Param> = by_key.into_values().collect();
        // Path parameters in template order, the rest by location and name.
        params.sort_by_key(|p| {
            let pos = in_template.iter().position(|n| *n == p.name).unwrap_or(usize::MAX);
            (p.location, if p.location == ParamLocation::Path { pos } else { 0 }, p.name.clone())
        });
        let mut taken = BTreeSet::new();
        for p in &mut params {
            p.ident = names::unique(names::snake(&p.name, "param"), &mut taken);
        }
        params
    }

    pub(super) fn param(&mut self, p: &ReferenceOr<oa::Parameter>, hint: &str) -> Option<Param> {
        let param = match p {
            ReferenceOr::Item(p) => p,
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/parameters/")?;
                let name = crate::spec::unescape_pointer(name);
                match self.doc.head.components.as_ref()?.parameters.get(&name) {
                    Some(ReferenceOr::Item(p)) => p,
                    _ => {
                        self.warnings
                            .insert(format!("dangling parameter $ref `{reference}`: skipped"));
                        return None;
                    }
                }
            }
        };
        let (location, style, explode) = crate::ir::wire::param_style(param);
        let data = param.parameter_data_ref();
        if crate::ir::wire::ignored_header(location, &data.name) {
            return None;
        }
        let phint = format!("{hint}{}", names::pascal(&data.name, "Param"));
        let ty = match &data.format {
            oa::ParameterSchemaOrContent::Schema(s) => self.type_of(&phint, s, 0),
            oa::ParameterSchemaOrContent::Content(c) => c
                .values()
                .next()
                .and_then(|m| m.schema.as_ref())
                .map_or(TypeRef::Unknown, |s| self.type_of(&phint, s, 0)),
        };
        Some(Param {
            name: data.name.clone(),
            ident: String::new(),
            location,
            required: data.required || location == ParamLocation::Path,
            ty,
            doc: data.description.clone(),
            style,
            explode,
        })
    }
}
