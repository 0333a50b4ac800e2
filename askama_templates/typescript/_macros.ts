{#- Shared snippets of the TypeScript templates, imported `as ts`.

    Whitespace convention of every TypeScript template: a block tag opens with
    `{%-`, so it eats the newline before it and the line it sits on vanishes;
    text therefore starts each line with the newline of the line before. In
    the same spirit each macro prints lines that *begin* with a newline (or
    prints nothing), so a call goes at the end of the line it follows.

    Lines passed in are already escaped by `codegen::filters`. -#}

{#- A JSDoc block. -#}
{%- macro doc(lines, indent) %}
{%- if lines.len() == 1 %}
{%- for line in lines.iter() %}
{{ indent }}/** {{ line }} */
{%- endfor %}
{%- else if !lines.is_empty() %}
{{ indent }}/**
{%- for line in lines.iter() %}
{{ indent }} *{% if !line.is_empty() %} {{ line }}{% endif %}
{%- endfor %}
{{ indent }} */
{%- endif %}
{%- endmacro %}

{#- The members of an object type literal, one per line. -#}
{%- macro fields(fields, indent) %}
{%- for f in fields.iter() %}
{%- call doc(f.doc, indent) %}{% endcall %}
{{ indent }}{{ f.key }}{% if f.optional %}?{% endif %}: {{ f.ty }};
{%- endfor %}
{%- endmacro %}

{#- The `RequestSpec` literal an operation hands to the transport. -#}
{%- macro request_spec(op) %}
      {
        method: "{{ op.http_method }}",
        path: {{ op.path }},
{%- if !op.params.is_empty() %}
        params: [
{%- for p in op.params %}
          {{ p }},
{%- endfor %}
        ],
{%- endif %}
{%- if let Some(accept) = op.accept %}
        accept: {{ accept }},
{%- endif %}
{%- if let Some(body) = op.body_expr %}
        body: {{ body }},
{%- endif %}
      },
{%- endmacro %}
