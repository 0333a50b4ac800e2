//! Unit tests of the Python generator on hand-built IRs: names, escapes and
//! the shape of the output. Whether the output imports and passes
//! `mypy --strict` is checked by the corpus tests (they need Python).
#![allow(clippy::expect_used)]

use std::collections::BTreeMap;

use crate::codegen::PythonOptions;
use crate::ir::{
    Api, AuthHints, Body, BodyMedia, Discriminator, Info, Literal, Method, Object, Operation,
    Pagination, Param, ParamLocation, ParamStyle, Property, Response, ResponseMedia, StringFormat,
    TypeDef, TypeKind, TypeRef, Union,
};

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

fn named(n: &str) -> TypeRef {
    TypeRef::Named(n.into())
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

fn object(props: Vec<Property>) -> TypeKind {
    TypeKind::Object(Object { properties: props, additional: None })
}

fn param(name: &str, loc: ParamLocation, required: bool, ty: TypeRef) -> Param {
    Param {
        name: name.into(),
        ident: crate::ir::names::snake(name, "param"),
        location: loc,
        required,
        ty,
        doc: None,
        style: match loc {
            ParamLocation::Path | ParamLocation::Header => ParamStyle::Simple,
            ParamLocation::Query | ParamLocation::Cookie => ParamStyle::Form,
        },
        explode: loc == ParamLocation::Query || loc == ParamLocation::Cookie,
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

/// An API with every construct the generator treats specially, and hostile
/// strings in every place a spec string can reach.
pub(crate) fn sample_api() -> Api {
    let hostile = "Evil \"\"\" import os; os.system('x') \\ \u{2028} \u{202E}rtl\r\n# end\"";
    let mut types: BTreeMap<String, TypeDef> = BTreeMap::new();
    let mut user = def(
        "User",
        object(vec![
            prop("id", TypeRef::Integer, true),
            prop("userName", TypeRef::String(StringFormat::Plain), true),
            prop("class", TypeRef::String(StringFormat::Plain), false),
            prop("schema", TypeRef::Unknown, false),
            prop("model_config", TypeRef::Boolean, false),
            prop("_private", TypeRef::Boolean, false),
            prop("2fa", TypeRef::Boolean, false),
            prop("str", TypeRef::String(StringFormat::Plain), false),
            prop("json", TypeRef::Nullable(Box::new(TypeRef::Unknown)), true),
            prop("created", TypeRef::String(StringFormat::DateTime), true),
            prop("born", TypeRef::Nullable(Box::new(TypeRef::String(StringFormat::Date))), false),
            prop("uuid", TypeRef::String(StringFormat::Uuid), false),
            prop("price", TypeRef::String(StringFormat::Decimal), false),
            prop("status", named("StatusEnum"), false),
            prop("friends", TypeRef::Array(Box::new(named("User"))), false),
            prop("pet", TypeRef::Nullable(Box::new(named("Pet"))), false),
            prop("tags", named("Tags"), false),
            prop("extra", TypeRef::Map(Box::new(TypeRef::Integer)), false),
            prop(
                "weird",
                TypeRef::Literals(vec![
                    Literal::Int(-1),
                    Literal::Bool(true),
                    Literal::Null,
                    Literal::Num("1.5".into()),
                    Literal::Str(hostile.into()),
                ]),
                false,
            ),
            prop(hostile, TypeRef::Integer, false),
        ]),
    );
    user.1.doc = Some(hostile.into());
    if let TypeKind::Object(o) = &mut user.1.kind {
        o.properties[1].doc = Some(hostile.into());
    }
    types.extend([user]);
    types.extend([
        def("Field", object(vec![prop("a", named("List"), true)])),
        def("List", TypeKind::Alias(TypeRef::Array(Box::new(named("Field"))))),
        def("BaseModel", object(vec![prop("x", named("Any"), false)])),
        def("Any", TypeKind::Alias(named("Json"))),
        def(
            "Json",
            TypeKind::Union(Union {
                variants: vec![
                    TypeRef::String(StringFormat::Plain),
                    TypeRef::Array(Box::new(named("Json"))),
                ],
                discriminator: None,
            }),
        ),
        def(
            "StatusEnum",
            TypeKind::Enum(vec![Literal::Str("draft".into()), Literal::Str("published".into())]),
        ),
        def("NullEnum", TypeKind::Enum(vec![Literal::Null])),
        def(
            "Tags",
            TypeKind::Alias(TypeRef::Array(Box::new(TypeRef::String(StringFormat::Plain)))),
        ),
        def(
            "Cat",
            object(vec![
                prop("petType", TypeRef::String(StringFormat::Plain), true),
                prop("meows", TypeRef::Boolean, true),
            ]),
        ),
        def(
            "Dog",
            object(vec![
                prop("petType", TypeRef::String(StringFormat::Plain), true),
                prop("owner", named("User"), false),
            ]),
        ),
        def(
            "Pet",
            TypeKind::Union(Union {
                variants: vec![named("Cat"), named("Dog")],
                discriminator: Some(Discriminator {
                    property: "petType".into(),
                    mapping: vec![
                        ("cat".into(), named("Cat")),
                        ("dog".into(), named("Dog")),
                        ("kitty".into(), named("Cat")),
                    ],
                }),
            }),
        ),
        def("Free", object(vec![])),
        def(
            "Upload",
            object(vec![
                prop("file", TypeRef::Binary, true),
                prop("tags", TypeRef::Array(Box::new(TypeRef::String(StringFormat::Plain))), false),
                prop(
                    "note",
                    TypeRef::Nullable(Box::new(TypeRef::String(StringFormat::Plain))),
                    false,
                ),
            ]),
        ),
        def(
            "PaginatedUserList",
            object(vec![
                prop("count", TypeRef::Integer, true),
                prop(
                    "next",
                    TypeRef::Nullable(Box::new(TypeRef::String(StringFormat::Plain))),
                    false,
                ),
                prop(
                    "previous",
                    TypeRef::Nullable(Box::new(TypeRef::String(StringFormat::Plain))),
                    false,
                ),
                prop("results", TypeRef::Array(Box::new(named("User"))), true),
            ]),
        ),
        def(
            "UserWritable",
            object(vec![
                prop("userName", TypeRef::String(StringFormat::Plain), true),
                prop("password", TypeRef::String(StringFormat::Plain), true),
            ]),
        ),
    ]);

    let mut list = op("users", "list", Method::Get, "/api/users/");
    list.params = vec![
        param("search", ParamLocation::Query, false, TypeRef::String(StringFormat::Plain)),
        param("page", ParamLocation::Query, false, TypeRef::Integer),
        param("ids", ParamLocation::Query, false, TypeRef::Array(Box::new(TypeRef::Integer))),
        param("body", ParamLocation::Query, false, TypeRef::String(StringFormat::Plain)),
        param("list", ParamLocation::Query, false, TypeRef::String(StringFormat::Plain)),
        param("X-Trace", ParamLocation::Header, false, TypeRef::String(StringFormat::Plain)),
    ];
    list.params[0].doc = Some(hostile.into());
    list.success = response(ResponseMedia::Json, named("PaginatedUserList"));
    list.pagination = Some(Pagination { item: named("User"), all_name: "list_all".into() });
    list.summary = Some(hostile.into());
    list.description = Some(hostile.into());

    let mut retrieve = op("users", "retrieve", Method::Get, "/api/users/{id}/");
    retrieve.params = vec![param("id", ParamLocation::Path, true, TypeRef::Integer)];
    retrieve.success = response(ResponseMedia::Json, named("User"));

    let mut create = op("users", "create", Method::Post, "/api/users/");
    create.body = Some(Body {
        required: true,
        media: BodyMedia::Json,
        content_type: "application/json".into(),
        ty: named("UserWritable"),
        doc: None,
    });
    create.success = response(ResponseMedia::Json, named("User"));

    let mut str_ = op("users", "str", Method::Get, "/api/users/str/");
    str_.success = response(ResponseMedia::Text, TypeRef::String(StringFormat::Plain));

    let mut destroy = op("users", "destroy", Method::Delete, "/api/users/{id}/");
    destroy.params = vec![param("id", ParamLocation::Path, true, TypeRef::Integer)];

    let mut pets = op("users", "pets", Method::Get, "/api/pets/");
    pets.success = response(ResponseMedia::Json, TypeRef::Array(Box::new(named("Pet"))));

    let mut upload = op("class", "upload", Method::Post, "/api/files/{from}/\"\"\"");
    upload.params =
        vec![param("from", ParamLocation::Path, true, TypeRef::String(StringFormat::Plain))];
    upload.body = Some(Body {
        required: true,
        media: BodyMedia::Multipart,
        content_type: "multipart/form-data".into(),
        ty: named("Upload"),
        doc: None,
    });
    upload.success = response(ResponseMedia::Json, TypeRef::Unknown);

    let mut download = op("class", "download", Method::Get, "/api/files/{id}/download/");
    download.params =
        vec![param("id", ParamLocation::Path, true, TypeRef::String(StringFormat::Uuid))];
    download.success = response(ResponseMedia::Binary, TypeRef::Binary);

    let mut raw = op("class", "raw", Method::Put, "/api/files/raw/");
    raw.body = Some(Body {
        required: false,
        media: BodyMedia::Binary,
        content_type: "application/octet-stream".into(),
        ty: TypeRef::Binary,
        doc: None,
    });

    let mut form = op("close", "login", Method::Post, "/api/login/");
    form.body = Some(Body {
        required: true,
        media: BodyMedia::Form,
        content_type: "application/x-www-form-urlencoded".into(),
        ty: named("UserWritable"),
        doc: None,
    });
    form.success = response(ResponseMedia::Json, TypeRef::Nullable(Box::new(named("Free"))));

    Api {
        info: Info {
            title: hostile.into(),
            description: Some(hostile.into()),
            version: "1.0 \"beta\"".into(),
        },
        types,
        operations: vec![list, retrieve, create, str_, destroy, pets, upload, download, raw, form],
        auth: AuthHints {
            token_prefix: "Token".into(),
            api_key_header: Some("X-Api-Key".into()),
            session: true,
        },
        warnings: Vec::new(),
    }
}

#[test]
fn generates_the_package_files() {
    let files =
        super::generate(&sample_api(), &PythonOptions { package: "core".into() }).expect("renders");
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "core/__init__.py",
            "core/client.py",
            "core/models.py",
            "core/users.py",
            "core/class_.py",
            "core/close.py",
            "core/py.typed"
        ]
    );
    // `APIGEND_PY_DUMP=dir cargo test` writes the package for mypy.
    if let Ok(dir) = std::env::var("APIGEND_PY_DUMP") {
        for f in &files {
            let p = std::path::Path::new(&dir).join(&f.path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, &f.contents).expect("write");
        }
    }
}

#[test]
fn hostile_strings_stay_inert() {
    let files =
        super::generate(&sample_api(), &PythonOptions { package: "core".into() }).expect("renders");
    for f in &files {
        assert!(!f.contents.contains('\u{2028}'), "{}", f.path);
        assert!(!f.contents.contains('\u{202E}'), "{}", f.path);
        assert!(!f.contents.contains('\r'), "{}", f.path);
        assert!(!f.contents.contains("\"\"\" import os"), "{}", f.path);
    }
}

fn file<'a>(files: &'a [crate::codegen::GeneratedFile], path: &str) -> &'a str {
    &files.iter().find(|f| f.path == path).expect(path).contents
}

#[test]
fn output_is_deterministic() {
    let opts = PythonOptions { package: "core".into() };
    let a = super::generate(&sample_api(), &opts).expect("renders");
    let b = super::generate(&sample_api(), &opts).expect("renders");
    assert_eq!(a, b);
}

/// Wire names that are not good Python names become snake_case fields with
/// `validation_alias` + `serialization_alias` (plain `alias` would make mypy,
/// which reads pydantic's `dataclass_transform`, want the wire name in
/// `__init__`); nullable and optional stay apart.
#[test]
fn fields_keep_wire_names_as_aliases() {
    let files =
        super::generate(&sample_api(), &PythonOptions { package: "core".into() }).expect("renders");
    let models = file(&files, "core/models.py");
    assert!(models.contains(
        "    user_name: str = _pd.Field(\n        validation_alias=\"userName\", serialization_alias=\"userName\"\n    )"
    ));
    assert!(models.contains("\n    id: int\n"));
    assert!(models.contains("    json_: _t.Any | None = _pd.Field(\n        validation_alias"));
    assert!(models.contains("    born: _dt.date | None = None\n"));
    assert!(models.contains("    schema_: _t.Any | None = _pd.Field("));
    assert!(models.contains("NullEnum: _t.TypeAlias = _t.Literal[None]\n"));
    // Aliases come after the classes and after the aliases they use; the
    // self-reference of `Json` degrades to `Any`.
    let json = models.find("Json: _t.TypeAlias = str | list[_t.Any]").expect("Json");
    let any = models.find("Any: _t.TypeAlias = Json").expect("Any");
    assert!(json < any);
    assert!(models.find("class UserWritable").expect("class") < json);
    assert!(models.contains("_pd.Discriminator(_apigend_tag_Pet)"));
    assert!(models.contains("    \"kitty\": \"Cat\",\n"));
}

/// A method named `list` or `str` shadows the builtin in the class body, so
/// the module spells those builtins through `typing` / `builtins`.
#[test]
fn methods_named_like_builtins_qualify_them() {
    let files =
        super::generate(&sample_api(), &PythonOptions { package: "core".into() }).expect("renders");
    let users = file(&files, "core/users.py");
    assert!(users.contains("    def list(\n"));
    assert!(users.contains("    def str(\n"));
    assert!(users.contains("import builtins as _b\n"));
    assert!(users.contains("        ids: _t.List[int] | None = None,\n"));
    assert!(users.contains("        body_param: _b.str | None = None,\n"));
    assert!(users.contains("        list_: _b.str | None = None,\n"));
    assert!(users.contains("    def list_all(\n"));
    assert!(users.contains("    async def list_all(\n"));
    let client = file(&files, "core/client.py");
    assert!(client.contains("self.class_: _apigend_app_class_.ClassApi"));
    assert!(client.contains("self.close_: _apigend_app_close.CloseApi"));
    assert!(client.contains("token_prefix: str = \"Token\","));
    assert!(client.contains("api_key_header: str = \"X-Api-Key\","));
}
