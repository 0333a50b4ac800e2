//! Tests of the TypeScript generator on hand-built IRs: rendered text for
//! the decisions that matter (names, escaping, optional vs nullable), and,
//! when node is available, `tsc` under the strict config over the output.
// Tests may panic: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use super::generate;
use crate::codegen::GeneratedFile;
use crate::ir::{
    Api, AuthHints, Body, BodyMedia, Discriminator, Info, Literal, Method, Object, Operation,
    Pagination, Param, ParamLocation, ParamStyle, Property, Response, ResponseMedia, StringFormat,
    TypeDef, TypeKind, TypeRef, Union,
};

/// A description that tries every way out of a comment or string.
const HOSTILE: &str =
    "ends */ alert(1); /* `${process.exit()}` \"q\" 'q'\n@evil\u{2028}line \u{202E}bidi\r\nx";

fn prop(name: &str, ty: TypeRef, required: bool) -> Property {
    Property {
        name: name.into(),
        ty,
        required,
        read_only: false,
        write_only: false,
        doc: None,
        deprecated: false,
    }
}

fn def(name: &str, kind: TypeKind) -> (String, TypeDef) {
    (
        name.into(),
        TypeDef {
            name: name.into(),
            origin: format!("#/components/schemas/{name}"),
            doc: None,
            deprecated: false,
            kind,
        },
    )
}

fn named(n: &str) -> TypeRef {
    TypeRef::Named(n.into())
}

fn param(name: &str, location: ParamLocation, required: bool, ty: TypeRef) -> Param {
    Param {
        name: name.into(),
        ident: crate::ir::names::snake(name, "p"),
        location,
        required,
        ty,
        doc: None,
        style: match location {
            ParamLocation::Path | ParamLocation::Header => ParamStyle::Simple,
            ParamLocation::Query | ParamLocation::Cookie => ParamStyle::Form,
        },
        explode: location == ParamLocation::Query || location == ParamLocation::Cookie,
    }
}

fn response(media: ResponseMedia, ty: TypeRef) -> Response {
    let content_type = match media {
        ResponseMedia::Empty => "",
        ResponseMedia::Json => "application/json",
        ResponseMedia::Text => "text/plain",
        ResponseMedia::Binary => "application/octet-stream",
    };
    Response { status: "200".into(), media, content_type: content_type.into(), ty, doc: None }
}

fn op(app: &str, name: &str, method: Method, path: &str) -> Operation {
    Operation {
        app: app.into(),
        app_origin: app.into(),
        operation_id: format!("{app}_{name}"),
        name: name.into(),
        method,
        path: path.into(),
        summary: None,
        description: None,
        deprecated: false,
        params: Vec::new(),
        body: None,
        accept: None,
        success: response(ResponseMedia::Empty, TypeRef::Unknown),
        errors: Vec::new(),
        pagination: None,
    }
}

/// A small API touching every feature of the generator.
fn sample() -> Api {
    let mut user = TypeDef {
        doc: Some(HOSTILE.into()),
        ..def(
            "User",
            TypeKind::Object(Object {
                properties: vec![
                    prop("id", TypeRef::Integer, true),
                    prop("email", TypeRef::String(StringFormat::Plain), true),
                    Property {
                        doc: Some("Nickname */ x".into()),
                        deprecated: true,
                        ..prop(
                            "nick-name",
                            TypeRef::Nullable(Box::new(TypeRef::String(StringFormat::Plain))),
                            false,
                        )
                    },
                    prop("status", named("StatusEnum"), false),
                    prop("friends", TypeRef::Array(Box::new(named("User"))), true),
                    prop(
                        "has space",
                        TypeRef::Nullable(Box::new(TypeRef::Array(Box::new(TypeRef::Nullable(
                            Box::new(TypeRef::Integer),
                        ))))),
                        true,
                    ),
                    prop("created", TypeRef::String(StringFormat::DateTime), true),
                ],
                additional: None,
            }),
        )
        .1
    };
    user.deprecated = true;
    let types: BTreeMap<String, TypeDef> = [
        ("User".to_string(), user),
        def(
            "UserWritable",
            TypeKind::Object(Object {
                properties: vec![
                    prop("email", TypeRef::String(StringFormat::Plain), true),
                    prop("avatar", TypeRef::Binary, false),
                    prop(
                        "tags",
                        TypeRef::Array(Box::new(TypeRef::String(StringFormat::Plain))),
                        false,
                    ),
                ],
                additional: None,
            }),
        ),
        def(
            "StatusEnum",
            TypeKind::Enum(vec![
                Literal::Str("a\"ctive".into()),
                Literal::Str("`${x}`".into()),
                Literal::Int(-1),
                Literal::Num("1.5".into()),
                Literal::Bool(true),
                Literal::Null,
            ]),
        ),
        def(
            "Pet",
            TypeKind::Union(Union {
                variants: vec![named("Cat"), named("Dog")],
                discriminator: Some(Discriminator {
                    property: "pet_type".into(),
                    mapping: vec![("cat".into(), named("Cat")), ("dog".into(), named("Dog"))],
                }),
            }),
        ),
        def(
            "Cat",
            TypeKind::Object(Object {
                properties: vec![prop("pet_type", TypeRef::String(StringFormat::Plain), true)],
                additional: None,
            }),
        ),
        def(
            "Dog",
            TypeKind::Object(Object {
                properties: vec![prop("bark", TypeRef::Boolean, true)],
                additional: None,
            }),
        ),
        // A model named like a global the generated code uses.
        def("Blob", TypeKind::Alias(TypeRef::Binary)),
        def("Promise", TypeKind::Alias(TypeRef::Map(Box::new(named("Promise"))))),
        // Eager cycles TypeScript would reject.
        def("LoopA", TypeKind::Alias(TypeRef::Nullable(Box::new(named("LoopB"))))),
        def(
            "LoopB",
            TypeKind::Union(Union {
                variants: vec![named("LoopA"), TypeRef::Integer],
                discriminator: None,
            }),
        ),
        def("Tree", TypeKind::Alias(TypeRef::Array(Box::new(named("Tree"))))),
        def(
            "Meta",
            TypeKind::Object(Object {
                properties: vec![prop("count", TypeRef::Integer, true)],
                additional: Some(Box::new(TypeRef::String(StringFormat::Plain))),
            }),
        ),
        def("Empty", TypeKind::Object(Object { properties: vec![], additional: None })),
        def(
            "PaginatedUserList",
            TypeKind::Object(Object {
                properties: vec![
                    prop("count", TypeRef::Integer, true),
                    prop(
                        "next",
                        TypeRef::Nullable(Box::new(TypeRef::String(StringFormat::Plain))),
                        false,
                    ),
                    prop("results", TypeRef::Array(Box::new(named("User"))), true),
                ],
                additional: None,
            }),
        ),
    ]
    .into_iter()
    .collect();

    let mut list = op("users", "list", Method::Get, "/api/users/");
    list.summary = Some(HOSTILE.into());
    list.params = vec![
        param("page", ParamLocation::Query, false, TypeRef::Integer),
        param("path", ParamLocation::Query, false, TypeRef::String(StringFormat::Plain)),
        Param {
            explode: false,
            ..param("ids", ParamLocation::Query, false, TypeRef::Array(Box::new(TypeRef::Integer)))
        },
        param("X-Trace", ParamLocation::Header, false, TypeRef::String(StringFormat::Plain)),
    ];
    list.success = response(ResponseMedia::Json, named("PaginatedUserList"));
    list.pagination = Some(Pagination {
        item: named("User"),
        // What `lower` would pick, given that `list_all` is taken.
        all_name: "list_all2".into(),
    });

    let mut list_all = op("users", "list_all", Method::Get, "/api/users/all/");
    list_all.success = response(ResponseMedia::Json, TypeRef::Array(Box::new(named("User"))));

    let mut retrieve = op("users", "retrieve", Method::Get, "/api/users/{id}/{weird key}/");
    retrieve.params = vec![
        param("id", ParamLocation::Path, true, TypeRef::Integer),
        param("weird key", ParamLocation::Path, true, TypeRef::String(StringFormat::Plain)),
    ];
    retrieve.success = response(ResponseMedia::Json, named("User"));
    retrieve.deprecated = true;

    let mut create = op("users", "create", Method::Post, "/api/users/");
    create.body = Some(Body {
        required: true,
        media: BodyMedia::Multipart,
        content_type: "multipart/form-data".into(),
        ty: named("UserWritable"),
        doc: None,
    });
    create.success = response(ResponseMedia::Json, named("User"));

    let mut destroy = op("users", "delete", Method::Delete, "/api/users/{id}/");
    destroy.params = vec![param("id", ParamLocation::Path, true, TypeRef::Integer)];

    let mut ctor = op("users", "constructor", Method::Get, "/api/ctor/");
    ctor.success = response(ResponseMedia::Binary, TypeRef::Binary);

    let mut ping = op("health", "ping", Method::Get, "/api/ping\"/");
    ping.success = response(ResponseMedia::Text, TypeRef::String(StringFormat::Plain));

    let mut upload = op("health", "upload", Method::Put, "/api/raw/");
    upload.body = Some(Body {
        required: false,
        media: BodyMedia::Binary,
        content_type: "application/octet-stream".into(),
        ty: TypeRef::Binary,
        doc: Some(HOSTILE.into()),
    });
    upload.success = response(ResponseMedia::Json, TypeRef::Unknown);

    Api {
        info: Info {
            title: "Demo */ API".into(),
            description: Some(HOSTILE.into()),
            version: "1.0 \"beta\"".into(),
        },
        types,
        operations: vec![ping, upload, ctor, create, destroy, list, list_all, retrieve],
        auth: AuthHints {
            token_prefix: "Token".into(),
            api_key_header: Some("X-Api-Key".into()),
            session: true,
        },
        warnings: Vec::new(),
    }
}

fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
    files.iter().find(|f| f.path == path).map(|f| f.contents.as_str()).unwrap_or_else(|| {
        panic!("no {path} in {:?}", files.iter().map(|f| &f.path).collect::<Vec<_>>())
    })
}

#[test]
fn emits_one_file_per_app_plus_the_fixed_three() {
    let files = generate(&sample()).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["client.ts", "health/index.ts", "index.ts", "models.ts", "users/index.ts"]);
}

#[test]
fn output_is_deterministic() {
    assert_eq!(generate(&sample()).unwrap(), generate(&sample()).unwrap());
}

#[test]
fn models_keep_nullable_and_optional_apart() {
    let files = generate(&sample()).unwrap();
    let models = file(&files, "models.ts");
    assert!(models.contains("  \"nick-name\"?: string | null;\n"), "{models}");
    assert!(models.contains("  \"has space\": (number | null)[] | null;\n"), "{models}");
    assert!(models.contains("  status?: StatusEnum;\n"), "{models}");
    assert!(models.contains("  created: string;\n"), "{models}");
    assert!(models.contains(
        "export type StatusEnum = \"a\\\"ctive\" | \"`${x}`\" | -1 | 1.5 | true | null;"
    ));
    assert!(models.contains(
        "export type Pet = ({ pet_type: \"cat\" } & Cat) | ({ pet_type: \"dog\" } & Dog);"
    ));
    assert!(models.contains(
        "export type Blob = globalThis.Blob | { readonly blob: globalThis.Blob; readonly filename: string };"
    ));
    assert!(models.contains(
        "  avatar?: globalThis.Blob | { readonly blob: globalThis.Blob; readonly filename: string };"
    ));
    assert!(models.contains("export type Promise = { [key: string]: Promise };"));
    assert!(models.contains("export type Tree = Tree[];"));
    assert!(models.contains("export type LoopA = unknown;"), "{models}");
    assert!(
        models.contains("export type LoopB = unknown | number;")
            || models.contains("export type LoopB = unknown;")
    );
    assert!(models.contains("} & { [key: string]: string | number };"), "{models}");
    assert!(models.contains("export type Empty = { [key: string]: unknown };"));
}

#[test]
fn hostile_strings_stay_inert() {
    for f in generate(&sample()).unwrap() {
        let c = &f.contents;
        assert!(
            !c.contains('\u{2028}') && !c.contains('\u{202E}') && !c.contains('\r'),
            "{}",
            f.path
        );
        assert!(!c.contains("*/ alert"), "{}: comment closed early", f.path);
        assert!(!c.contains("\n * @evil"), "{}: tag injected", f.path);
        assert!(!c.contains("any") || !c.contains(": any"), "{}", f.path);
    }
    let files = generate(&sample()).unwrap();
    assert!(
        file(&files, "index.ts").contains("title: \"Demo */ API\", version: \"1.0 \\\"beta\\\"\"")
    );
    assert!(file(&files, "health/index.ts").contains("path: \"/api/ping\\\"/\","));
}

#[test]
fn methods_are_camel_case_escaped_and_unique() {
    let files = generate(&sample()).unwrap();
    let users = file(&files, "users/index.ts");
    assert!(
        users.contains(
            "  delete_(request: DeleteRequest, options: CallOptions = {}): Promise<void> {"
        )
    );
    assert!(users.contains("  constructor2(_request: ConstructorRequest = {}, options: CallOptions = {}): Promise<Blob> {"), "{users}");
    // The spec's own `list_all` keeps its name; the iterator moves aside.
    assert!(users.contains("  listAll(_request: ListAllRequest = {}"));
    assert!(users.contains("  listAll2(request: ListRequest = {}, options: CallOptions = {}): AsyncGenerator<models.User, void, undefined> {"));
    assert!(users.contains("path: \"/api/users/{id}/{weird key}/\","), "{users}");
    assert!(users.contains(
        "{ in: \"path\", name: \"weird key\", style: \"simple\", explode: false, value: request.path[\"weird key\"] },"
    ), "{users}");
    assert!(users.contains(
        "{ in: \"query\", name: \"ids\", style: \"form\", explode: false, value: request.query?.ids },"
    ), "{users}");
    assert!(users.contains("    \"X-Trace\"?: string;"));
    assert!(users.contains("import type * as models from \"../models.js\";"));
    let health = file(&files, "health/index.ts");
    assert!(!health.contains("models"), "{health}");
    assert!(health.contains("  body?: Blob;"));
}

#[test]
fn index_exports_info_and_one_property_per_app() {
    let files = generate(&sample()).unwrap();
    let index = file(&files, "index.ts");
    assert!(index.contains("  readonly users: UsersApi;"));
    assert!(index.contains("import { HealthApi } from \"./health/index.js\";"));
    assert!(index.contains("export type * as models from \"./models.js\";"));
    assert!(
        index.starts_with("// Generated by apigend. Do not edit.\n/**\n * Demo *\\/ API\n"),
        "{index}"
    );
    let client = file(&files, "client.ts");
    assert!(client.contains("export const DEFAULT_TOKEN_PREFIX = \"Token\";"));
    assert!(client.contains("export const DEFAULT_API_KEY_HEADER = \"X-Api-Key\";"));
}

fn empty_api() -> Api {
    Api {
        info: Info { title: String::new(), description: None, version: String::new() },
        types: BTreeMap::new(),
        operations: Vec::new(),
        auth: AuthHints::default(),
        warnings: Vec::new(),
    }
}

#[test]
fn an_empty_api_still_forms_modules() {
    let files = generate(&empty_api()).unwrap();
    assert!(file(&files, "models.ts").contains("export {};"));
    assert!(file(&files, "index.ts").contains("constructor(_config: ClientConfig) {}"));
    assert!(file(&files, "client.ts").contains("DEFAULT_TOKEN_PREFIX = \"Bearer\""));
}

/// Writes the files under `dir`.
pub(crate) fn write_all(dir: &std::path::Path, files: &[GeneratedFile]) {
    for f in files {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.contents).unwrap();
    }
}

/// Runs `tsc` with the strict config over the sample's output. `APIGEND_TSC`
/// names the compiler (default: `tsc` on `PATH`); the strict config is the
/// repository's `tests/tsconfig.strict.json` unless `APIGEND_TSCONFIG` names
/// another.
#[test]
#[ignore = "needs node and typescript; run scripts/test.sh"]
fn sample_output_passes_strict_tsc() {
    let dir = tempfile::tempdir().unwrap();
    write_all(&dir.path().join("sample"), &generate(&sample()).unwrap());
    // No apps: nothing may be imported that goes unused.
    write_all(&dir.path().join("empty"), &generate(&empty_api()).unwrap());
    assert_tsc_passes(dir.path());
}

/// The strict tsconfig generated TypeScript must pass: `APIGEND_TSCONFIG`,
/// or the repository's own `tests/tsconfig.strict.json` (so a fresh clone
/// needs nothing beside it).
fn strict_tsconfig() -> std::path::PathBuf {
    let path = std::env::var_os("APIGEND_TSCONFIG").filter(|p| !p.is_empty()).map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tsconfig.strict.json"),
        std::path::PathBuf::from,
    );
    assert!(path.is_file(), "the strict tsconfig {} does not exist", path.display());
    path
}

pub(crate) fn assert_tsc_passes(dir: &std::path::Path) {
    std::fs::copy(strict_tsconfig(), dir.join("tsconfig.strict.json")).unwrap();
    std::fs::write(
        dir.join("tsconfig.json"),
        r#"{ "extends": "./tsconfig.strict.json", "include": ["**/*.ts"] }"#,
    )
    .unwrap();
    let tsc = std::env::var("APIGEND_TSC").unwrap_or_else(|_| "tsc".into());
    let out = std::process::Command::new(tsc).arg("-p").arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "tsc failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Compiles the sample's client with a driver and runs it under Node against
/// a local server: multipart, errors, pagination, the CSRF cookie jar, abort.
/// Needs `node` (20+) on `PATH` and `APIGEND_TSC` (or `tsc` on `PATH`).
#[test]
#[ignore = "needs node and typescript; run scripts/test.sh"]
fn runtime_smoke_under_node() {
    let dir = tempfile::tempdir().unwrap();
    write_all(&dir.path().join("gen"), &generate(&sample()).unwrap());
    std::fs::write(dir.path().join("smoke_main.ts"), include_str!("testdata/smoke_main.ts"))
        .unwrap();
    std::fs::write(dir.path().join("smoke_server.mjs"), include_str!("testdata/smoke_server.mjs"))
        .unwrap();
    std::fs::copy(strict_tsconfig(), dir.path().join("strict.json")).unwrap();
    std::fs::write(
        dir.path().join("tsconfig.json"),
        r#"{ "extends": "./strict.json",
             "compilerOptions": { "noEmit": false, "outDir": "build", "types": [] },
             "include": ["smoke_main.ts", "gen/**/*.ts"] }"#,
    )
    .unwrap();
    let tsc = std::env::var("APIGEND_TSC").unwrap_or_else(|_| "tsc".into());
    let out = std::process::Command::new(tsc).arg("-p").arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "tsc: {}", String::from_utf8_lossy(&out.stdout));
    std::fs::write(dir.path().join("build/package.json"), r#"{"type":"module"}"#).unwrap();
    let out = std::process::Command::new("node")
        .arg(dir.path().join("build/smoke_main.js"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("ALL OK"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
