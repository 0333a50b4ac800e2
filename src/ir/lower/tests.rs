//! Unit tests of the lowering on small documents.

use super::all_of::intersect;
use super::operations::method_name;
use super::{AppRule, lower};
use crate::ir::{Api, Literal, StringFormat, TypeKind, TypeRef};

fn lower_yaml(y: &str) -> Api {
    crate::spec::read(y.as_bytes().to_vec(), "t.yaml", &|_| Err("no".into()), |d| {
        lower(d, &AppRule::Tag)
    })
    .unwrap()
    .1
}

const DRF: &str = r"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /api/users/:
    get:
      operationId: users_list
      tags: [users]
      responses:
        '200':
          description: ''
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PaginatedUserList'}
    post:
      operationId: users_create
      tags: [users]
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/User'}
      responses:
        '201':
          description: ''
          content:
            application/json:
              schema: {$ref: '#/components/schemas/User'}
components:
  schemas:
    User:
      type: object
      required: [id, name, password]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string, nullable: true}
        password: {type: string, writeOnly: true}
        role:
          allOf: [{$ref: '#/components/schemas/RoleEnum'}]
          nullable: true
    RoleEnum: {type: string, enum: [admin, user]}
    PaginatedUserList:
      type: object
      properties:
        count: {type: integer}
        next: {type: string, nullable: true}
        previous: {type: string, nullable: true}
        results:
          type: array
          items: {$ref: '#/components/schemas/User'}
";

#[test]
fn drf_names_views_and_pagination() {
    let api = lower_yaml(DRF);
    let names: Vec<&str> = api.operations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["create", "list"]);
    let list = &api.operations[1];
    assert_eq!(list.app, "users");
    let p = list.pagination.as_ref().unwrap();
    assert_eq!(p.item, TypeRef::Named("User".into()));
    assert_eq!(p.all_name, "list_all");
    let create = &api.operations[0];
    assert_eq!(create.body.as_ref().unwrap().ty, TypeRef::Named("UserWritable".into()));
    let TypeKind::Object(read) = &api.types["User"].kind else { panic!() };
    let read: Vec<&str> = read.properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(read, ["id", "name", "role"]);
    let TypeKind::Object(write) = &api.types["UserWritable"].kind else { panic!() };
    let write: Vec<&str> = write.properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(write, ["name", "password", "role"]);
    let role = write.iter().position(|n| *n == "role").unwrap();
    let TypeKind::Object(w) = &api.types["UserWritable"].kind else { panic!() };
    assert_eq!(
        w.properties[role].ty,
        TypeRef::Nullable(Box::new(TypeRef::Named("RoleEnum".into())))
    );
    assert!(!w.properties[role].required);
    assert!(w.properties[0].required, "nullable and required are independent");
}

#[test]
fn request_only_types_keep_their_name() {
    let api = lower_yaml(&DRF.replace(
        "schema: {$ref: '#/components/schemas/User'}\n      responses:\n        '201'",
        "schema: {$ref: '#/components/schemas/UserRequest'}\n      responses:\n        '201'",
    ).replace("    RoleEnum:", "    UserRequest:\n      type: object\n      properties:\n        name: {type: string}\n        password: {type: string, writeOnly: true}\n        id: {type: integer, readOnly: true}\n    RoleEnum:"));
    let create = &api.operations[0];
    assert_eq!(create.body.as_ref().unwrap().ty, TypeRef::Named("UserRequest".into()));
    assert!(!api.types.contains_key("UserRequestWritable"));
    let TypeKind::Object(o) = &api.types["UserRequest"].kind else { panic!() };
    let names: Vec<&str> = o.properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["name", "password"]);
    assert!(!api.types.contains_key("UserWritable"), "User is now response-only");
}

#[test]
fn dangling_refs_warn_and_become_unknown() {
    let api = lower_yaml(
        "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/Gone'}\n",
    );
    assert_eq!(api.types["A"].kind, TypeKind::Alias(TypeRef::Unknown));
    assert!(api.warnings[0].contains("#/components/schemas/Gone"));
}

#[test]
fn case_colliding_schemas_get_distinct_names() {
    let api = lower_yaml(
        "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    user: {type: string}\n    User: {type: integer}\n",
    );
    let names: Vec<&String> = api.types.keys().collect();
    assert_eq!(names, ["User", "User2"]);
}

#[test]
fn discriminator_maps_implicit_members_by_schema_name() {
    let api = lower_yaml(
        "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Pet:\n      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]\n      discriminator: {propertyName: kind, mapping: {c: '#/components/schemas/Cat'}}\n    Cat: {type: object, properties: {kind: {type: string}}}\n    Dog: {type: object, properties: {kind: {type: string}}}\n",
    );
    let TypeKind::Union(u) = &api.types["Pet"].kind else { panic!() };
    let d = u.discriminator.as_ref().unwrap();
    assert_eq!(
        d.mapping,
        [
            ("Dog".to_string(), TypeRef::Named("Dog".into())),
            ("c".to_string(), TypeRef::Named("Cat".into()))
        ]
    );
}

/// OpenAI's documents give no mapping and pin the property in each member
/// (`const`, a one-value `enum`, or through `allOf`): the schema name could
/// never appear on valid data, the pinned value does.
#[test]
fn discriminator_maps_implicit_members_by_their_pinned_value() {
    let api = lower_yaml(
        r"
openapi: 3.1.0
info: {title: T, version: '1'}
paths: {}
components:
  schemas:
    Item:
      oneOf: [{$ref: '#/components/schemas/Msg'}, {$ref: '#/components/schemas/Call'}, {$ref: '#/components/schemas/Ext'}, {$ref: '#/components/schemas/Free'}]
      discriminator: {propertyName: type}
    Msg: {type: object, properties: {type: {type: string, const: message}}}
    Call: {type: object, properties: {type: {type: string, enum: [function_call]}}}
    Ext: {allOf: [{$ref: '#/components/schemas/Call2'}, {type: object, properties: {x: {type: string}}}]}
    Call2: {type: object, properties: {type: {type: string, enum: [ext]}}}
    Free: {type: object, properties: {type: {type: string, enum: [a, b]}}}
",
    );
    let TypeKind::Union(u) = &api.types["Item"].kind else { panic!() };
    let d = u.discriminator.as_ref().unwrap();
    let named = |v: &str, t: &str| (v.to_string(), TypeRef::Named(t.into()));
    assert_eq!(
        d.mapping,
        [
            named("Free", "Free"),
            named("ext", "Ext"),
            named("function_call", "Call"),
            named("message", "Msg")
        ]
    );
}

#[test]
fn allof_cycles_terminate() {
    let api = lower_yaml(
        "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {allOf: [{$ref: '#/components/schemas/B'}, {type: object, properties: {a: {type: string}}}]}\n    B: {allOf: [{$ref: '#/components/schemas/A'}, {type: object, properties: {b: {type: string}}}]}\n",
    );
    let TypeKind::Object(a) = &api.types["A"].kind else { panic!() };
    assert_eq!(a.properties.len(), 2);
}

#[test]
fn method_names_strip_the_app() {
    assert_eq!(method_name("users_partial_update", "users"), "partial_update");
    assert_eq!(method_name("repos/get-content", "repos"), "get_content");
    assert_eq!(method_name("users", "users"), "users");
    assert_eq!(method_name("GetCustomers", "default"), "get_customers");
}

#[test]
fn header_and_cookie_names_that_are_not_tokens_warn_and_are_left_out() {
    let api = lower_yaml(
        r#"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /items/:
    get:
      operationId: items_list
      parameters:
      - {in: header, name: 'X-Evil"Header', schema: {type: string}}
      - {in: cookie, name: 'sp ace', schema: {type: string}}
      - {in: header, name: X-Request-ID, schema: {type: string}}
      - {in: query, name: 'q"uery', schema: {type: string}}
      responses: {'204': {description: ''}}
"#,
    );
    let names: Vec<&str> = api.operations[0].params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["q\"uery", "X-Request-ID"]);
    assert_eq!(api.warnings.len(), 2, "{:?}", api.warnings);
    assert!(api.warnings.iter().any(|w| w.starts_with("header parameter `X-Evil\\\"Header`")));
    assert!(api.warnings.iter().any(|w| w.starts_with("cookie parameter `sp ace`")));
}

#[test]
fn all_of_redeclarations_intersect() {
    let api = lower_yaml(
        r"
openapi: 3.0.3
info: {title: T, version: '1'}
paths: {}
components:
  schemas:
    Base:
      type: object
      properties:
        result: {type: string, enum: [success]}
        msg: {type: string}
        n: {type: number, nullable: true}
    R:
      allOf:
        - {$ref: '#/components/schemas/Base'}
        - additionalProperties: false
          required: [msg]
          properties: {result: {}, msg: {readOnly: true}, n: {type: integer}}
",
    );
    let TypeKind::Object(o) = &api.types["R"].kind else { panic!() };
    let prop = |n: &str| o.properties.iter().find(|p| p.name == n).unwrap();
    assert_eq!(prop("result").ty, TypeRef::Literals(vec![Literal::Str("success".into())]));
    assert_eq!(prop("msg").ty, TypeRef::String(StringFormat::Plain));
    assert!(prop("msg").required && prop("msg").read_only);
    assert_eq!(prop("n").ty, TypeRef::Integer);
}

#[test]
fn all_of_of_one_constraint_and_annotations_is_that_constraint() {
    // Box's shape: one typed member, the others only annotate; the value is
    // that string, enum or array, not an object.
    let api = lower_yaml(
        r"
openapi: 3.0.3
info: {title: T, version: '1'}
paths: {}
components:
  schemas:
    User: {type: object, properties: {id: {type: string}}}
    Item:
      type: object
      properties:
        sequence_id:
          allOf: [{type: string, nullable: true, example: '3'}, {nullable: false}]
        event_type:
          allOf: [{type: string, enum: [ACCESS_GRANTED]}, {description: The event.}]
        tags:
          allOf: [{type: array, items: {type: string}}, {nullable: false}]
        created_by:
          allOf: [{$ref: '#/components/schemas/User'}, {description: Who.}, {example: {id: '1'}}]
        both:
          allOf: [{$ref: '#/components/schemas/User'}, {properties: {more: {type: string}}}]
",
    );
    let TypeKind::Object(o) = &api.types["Item"].kind else { panic!() };
    let prop = |n: &str| o.properties.iter().find(|p| p.name == n).unwrap().ty.clone();
    let string = TypeRef::String(StringFormat::Plain);
    assert_eq!(prop("sequence_id"), TypeRef::Nullable(Box::new(string.clone())));
    assert_eq!(prop("event_type"), TypeRef::Literals(vec![Literal::Str("ACCESS_GRANTED".into())]));
    assert_eq!(prop("tags"), TypeRef::Array(Box::new(string)));
    assert_eq!(prop("created_by"), TypeRef::Named("User".into()));
    // Two members that constrain still merge into an object of their own.
    let TypeRef::Named(both) = prop("both") else { panic!("{:?}", prop("both")) };
    assert!(matches!(api.types[&both].kind, TypeKind::Object(_)));
}

#[test]
fn intersections_narrow() {
    use TypeRef as T;
    let s = || T::String(StringFormat::Plain);
    let lits = |v: &[&str]| T::Literals(v.iter().map(|s| Literal::Str((*s).into())).collect());
    let nullable = |t: TypeRef| T::Nullable(Box::new(t));
    for (a, b, both) in [
        (s(), T::Unknown, s()),
        (T::Unknown, s(), s()),
        (nullable(s()), s(), s()),
        (s(), nullable(s()), s()),
        (nullable(T::Number), nullable(T::Integer), nullable(T::Integer)),
        (lits(&["a", "b"]), lits(&["b", "c"]), lits(&["b"])),
        (s(), lits(&["a"]), lits(&["a"])),
        (T::String(StringFormat::Date), s(), T::String(StringFormat::Date)),
        (T::Named("E".into()), s(), T::Named("E".into())),
        (
            T::Array(Box::new(T::Number)),
            T::Array(Box::new(T::Integer)),
            T::Array(Box::new(T::Integer)),
        ),
        (T::Named("A".into()), T::Named("B".into()), T::Named("B".into())),
    ] {
        assert_eq!(intersect(a.clone(), b.clone()), both, "{a:?} & {b:?}");
    }
}
