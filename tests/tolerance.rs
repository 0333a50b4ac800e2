//! One bad piece never costs the whole client: each local defect seen in
//! real documents (or of a kind `openapiv3` is strict about) runs through
//! the real binary inside an otherwise healthy document. Each case asserts
//! that the run succeeds, that the healthy operation is generated in both
//! languages, that one warning names the defect's JSON pointer, and
//! whether the defective operation survived.

use std::fs;

use crate::util::{self, Languages, TempDir, run_apigend};

/// One defect: where it goes, the warning pointer, and whether the
/// operation carrying it (`defective`, tag `broken`) is still generated.
struct Case {
    name: &'static str,
    /// YAML inserted under `paths:` (two-space indented path items).
    paths: &'static str,
    /// YAML inserted under `components:`.
    components: &'static str,
    /// YAML replacing the whole head (`openapi` and `info`), when the
    /// defect lives there.
    head: Option<&'static str>,
    /// What the warning must name (its JSON pointer, or for a type only the
    /// lowering sees, the type's name); `None` when no warning is due: the
    /// piece reads as it is meant (a `type` list in 3.0, an enum of mixed
    /// values typed from the values).
    pointer: Option<&'static str>,
    /// Whether `defective` is still generated.
    kept: bool,
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\n";

/// The healthy part: `ok` must always be generated.
const OK_PATH: &str = "  /ok/:
    get:
      operationId: ok_get
      tags: [fine]
      responses:
        '200':
          description: ''
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Fine'}
";

const OK_SCHEMA: &str = "    Fine:
      type: object
      properties:
        id: {type: integer}
";

const CASES: &[Case] = &[
    Case {
        name: "ref_into_a_parameter_schema",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      responses:
        '200':
          description: ''
          content:
            application/json:
              schema:
                type: object
                properties:
                  state: {$ref: '#/components/parameters/state/schema'}
",
        components: "  parameters:
    state: {name: state, in: query, schema: {type: string, enum: [open, closed]}}
",
        head: None,
        pointer: None,
        kept: true,
    },
    Case {
        name: "ref_into_a_response_schema",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      responses:
        '200':
          description: ''
          content:
            application/json:
              schema: {$ref: '#/components/responses/Error/content/application~1json/schema'}
",
        components: "  responses:
    Error:
      description: ''
      content:
        application/json:
          schema: {type: object, properties: {detail: {type: string}}}
",
        head: None,
        pointer: None,
        kept: true,
    },
    Case {
        name: "null_oauth2_scope",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      security: [{oauth2: [null]}]
      responses: {'204': {description: ''}}
",
        components: "",
        head: None,
        pointer: Some("#/paths/~1d~1/get/security/0"),
        kept: true,
    },
    Case {
        name: "null_scope_at_the_top",
        paths: "",
        components: "",
        head: Some(
            "openapi: 3.0.3\ninfo: {title: T, version: '1'}\nsecurity: [{oauth2: [null, read]}]\n",
        ),
        pointer: Some("#/security/0"),
        kept: false,
    },
    Case {
        name: "required_true_on_a_schema",
        paths: "",
        components: "    Bad: {type: object, required: true, properties: {a: {type: string}}}\n",
        head: None,
        pointer: Some("#/components/schemas/Bad"),
        kept: false,
    },
    Case {
        name: "string_minimum_on_an_integer",
        paths: "",
        components: "    Bad: {type: object, properties: {n: {type: integer, minimum: '3'}}}\n",
        head: None,
        pointer: Some("#/components/schemas/Bad/properties/n"),
        kept: false,
    },
    Case {
        name: "fractional_bound_on_an_integer",
        paths: "",
        components: "    Bad: {type: object, properties: {n: {type: integer, maximum: 2.5}}}\n",
        head: None,
        pointer: None,
        kept: false,
    },
    Case {
        name: "string_exclusive_minimum",
        paths: "",
        components: "    Bad: {type: object, properties: {n: {type: number, exclusiveMinimum: 'yes'}}}\n",
        head: None,
        pointer: Some("#/components/schemas/Bad/properties/n"),
        kept: false,
    },
    Case {
        name: "unknown_parameter_location",
        paths: "  /d/:
    post:
      operationId: defective
      tags: [broken]
      parameters:
        - {name: payload, in: body, schema: {type: string}}
        - {name: q, in: query, schema: {type: string}}
      responses: {'204': {description: ''}}
",
        components: "",
        head: None,
        pointer: Some("#/paths/~1d~1/post/parameters/0"),
        kept: true,
    },
    Case {
        name: "parameter_without_schema",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      parameters: [{name: q, in: query}]
      responses: {'204': {description: ''}}
",
        components: "",
        head: None,
        pointer: Some("#/paths/~1d~1/get/parameters/0"),
        kept: true,
    },
    Case {
        name: "response_code_that_is_no_status",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      responses:
        '200': {description: ''}
        success: {description: ''}
",
        components: "",
        head: None,
        pointer: Some("#/paths/~1d~1/get/responses/success"),
        kept: true,
    },
    Case {
        name: "responses_that_are_a_list",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      responses: [200, 404]
",
        components: "",
        head: None,
        pointer: Some("#/paths/~1d~1/get: `responses` is not a mapping"),
        kept: true,
    },
    Case {
        name: "response_without_description",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      responses:
        '200': {content: {application/json: {schema: {type: string}}}}
",
        components: "",
        head: None,
        pointer: None,
        kept: true,
    },
    Case {
        name: "operation_without_responses",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
",
        components: "",
        head: None,
        pointer: Some("#/paths/~1d~1/get"),
        kept: true,
    },
    Case {
        name: "non_string_enum_values",
        paths: "",
        components: "    Bad: {type: object, properties: {level: {type: string, enum: [1, 2, high]}}}\n",
        head: None,
        pointer: None,
        kept: false,
    },
    Case {
        name: "type_array_in_3_0",
        paths: "",
        components: "    Bad: {type: object, properties: {v: {type: [string, 'null']}}}\n",
        head: None,
        pointer: None,
        kept: false,
    },
    Case {
        name: "unknown_type_name",
        paths: "",
        components: "    Bad: {type: object, properties: {v: {type: date}}}\n",
        head: None,
        pointer: Some("BadV: unknown `type: date`"),
        kept: false,
    },
    Case {
        name: "swagger_2_file_type",
        paths: "",
        components: "    Bad: {type: object, properties: {f: {type: file}}}\n",
        head: None,
        pointer: None,
        kept: false,
    },
    Case {
        name: "properties_that_are_no_mapping",
        paths: "",
        components: "    Bad: {type: object, properties: {a: {type: object, properties: [x]}}}\n",
        head: None,
        pointer: Some("#/components/schemas/Bad/properties/a"),
        kept: false,
    },
    Case {
        name: "tuple_items",
        paths: "",
        components: "    Bad: {type: array, items: [{type: string}, {type: integer}]}\n",
        head: None,
        pointer: Some("#/components/schemas/Bad"),
        kept: false,
    },
    Case {
        name: "bad_inline_body_schema_keeps_the_operation",
        paths: "  /d/:
    post:
      operationId: defective
      tags: [broken]
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {n: {type: integer, minLength: -1}}}
      responses: {'204': {description: ''}}
",
        components: "",
        head: None,
        pointer: Some(
            "#/paths/~1d~1/post/requestBody/content/application~1json/schema/properties/n",
        ),
        kept: true,
    },
    Case {
        name: "request_body_that_is_no_object_skips_the_operation",
        paths: "  /d/:
    post:
      operationId: defective
      tags: [broken]
      requestBody: {content: 5}
      responses: {'204': {description: ''}}
",
        components: "",
        head: None,
        pointer: Some("#/paths/~1d~1/post"),
        kept: false,
    },
    Case {
        name: "duplicate_operation_ids",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      responses: {'204': {description: ''}}
    post:
      operationId: defective
      tags: [broken]
      responses: {'204': {description: ''}}
",
        components: "",
        head: None,
        pointer: None,
        kept: true,
    },
    Case {
        name: "missing_info",
        paths: "",
        components: "",
        head: Some("openapi: 3.0.3\n"),
        pointer: Some("#/info"),
        kept: false,
    },
    Case {
        name: "bad_component_parameter",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      parameters: [{$ref: '#/components/parameters/P'}]
      responses: {'204': {description: ''}}
",
        components: "  parameters:
    P: {name: p, in: somewhere, schema: {type: string}}
",
        head: None,
        pointer: Some("#/components/parameters/P"),
        kept: true,
    },
    Case {
        name: "bad_security_scheme",
        paths: "",
        components: "  securitySchemes:
    weird: {type: magic}
",
        head: None,
        pointer: Some("#/components/securitySchemes/weird"),
        kept: false,
    },
    Case {
        name: "server_without_url",
        paths: "",
        components: "",
        head: Some("openapi: 3.0.3\ninfo: {title: T, version: '1'}\nservers: [{description: x}]\n"),
        pointer: Some("#/servers/0"),
        kept: false,
    },
    Case {
        name: "lone_tag_and_numeric_operation_id",
        paths: "  /d/:
    get:
      operationId: 200
      tags: broken
      summary: [not, text]
      responses: {'204': {description: ''}}
",
        components: "",
        head: None,
        pointer: Some("#/paths/~1d~1/get: `tags` is a string"),
        kept: false,
    },
    Case {
        name: "string_booleans",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      deprecated: 'true'
      parameters: [{name: q, in: query, required: 'false', schema: {type: string}}]
      responses: {'204': {description: ''}}
",
        components: "",
        head: None,
        pointer: Some("#/paths/~1d~1/get/parameters/0: `required: \"false\"`"),
        kept: true,
    },
    Case {
        name: "unknown_parameter_style",
        paths: "  /d/:
    get:
      operationId: defective
      tags: [broken]
      parameters: [{name: ids, in: query, style: csv, schema: {type: array, items: {type: integer}}}]
      responses: {'204': {description: ''}}
",
        components: "",
        head: None,
        pointer: Some("#/paths/~1d~1/get/parameters/0: unknown `style: \"csv\"`"),
        kept: true,
    },
    Case {
        name: "numeric_versions",
        paths: "",
        components: "",
        head: Some("openapi: 3.0\ninfo: {title: T, version: 1.0}\n"),
        pointer: Some("#/openapi"),
        kept: false,
    },
    Case {
        name: "empty_sections",
        paths: "",
        components: "  responses:\n  parameters:\n",
        head: None,
        pointer: Some("#/components/responses: empty"),
        kept: false,
    },
];

/// The document of one case: the healthy part plus the defect.
fn document(case: &Case) -> String {
    let mut doc = String::from(case.head.unwrap_or(HEAD));
    doc.push_str("paths:\n");
    doc.push_str(OK_PATH);
    doc.push_str(case.paths);
    doc.push_str("components:\n");
    // The case's own sections come first so a `schemas:` it adds to is the
    // one `Fine` joins.
    let (own_schemas, other) = match case.components.strip_prefix("    ") {
        Some(_) => (case.components, ""),
        None => ("", case.components),
    };
    doc.push_str(other);
    doc.push_str("  schemas:\n");
    doc.push_str(OK_SCHEMA);
    doc.push_str(own_schemas);
    doc
}

#[test]
fn each_local_defect_degrades_its_piece_and_warns() {
    let mut failures = Vec::new();
    for case in CASES {
        if let Err(e) = run_case(case) {
            failures.push(format!("{}: {e}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn run_case(case: &Case) -> Result<(), String> {
    let dir = TempDir::new();
    let spec = dir.create("api.yaml", document(case));
    dir.create("apigend.toml", util::config_toml(&spec, "out", "main", Languages::BOTH));
    let out = run_apigend(dir.path(), ["generate"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        return Err(format!("the run failed ({})\n{stderr}{stdout}", out.status));
    }
    let ts = fs::read_to_string(dir.path().join("out/main/typescript/fine/index.ts"))
        .map_err(|e| format!("no TypeScript for the healthy app: {e}\n{stderr}"))?;
    let py = fs::read_to_string(dir.path().join("out/main/python/main/fine.py"))
        .map_err(|e| format!("no Python for the healthy app: {e}\n{stderr}"))?;
    if !ts.contains("okGet") || !py.contains("def ok_get") {
        return Err("the healthy operation is missing".into());
    }
    let all = format!("{stderr}{stdout}");
    let warnings: Vec<&str> = all.lines().filter(|l| l.contains("WARN")).collect();
    match case.pointer {
        Some(p) => {
            let hits = warnings.iter().filter(|w| w.contains(p)).count();
            if hits == 0 {
                return Err(format!("no warning names `{p}`:\n{all}"));
            }
        }
        None => {
            if !warnings.is_empty() {
                return Err(format!("repaired without loss, yet warned:\n{all}"));
            }
        }
    }
    let broken_ts = dir.path().join("out/main/typescript/broken/index.ts");
    let has_defective = fs::read_to_string(&broken_ts).is_ok_and(|t| t.contains("defective"));
    if has_defective != case.kept {
        return Err(format!(
            "the defective operation is {}generated:\n{all}",
            if has_defective { "" } else { "not " }
        ));
    }
    Ok(())
}
