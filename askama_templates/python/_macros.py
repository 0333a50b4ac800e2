{#- Shared snippets of the Python templates. Each macro prints complete,
    indented lines and no leading or trailing newline. -#}

{%- macro signature(app, op, name, is_async, ret) -%}
{% if is_async %}async {% endif %}def {{ name }}(
        self,
        *,
{%- for p in op.sig %}
        {{ p.name }}: {{ p.ty }}{{ p.default }},
{%- endfor %}
        headers: _t.Mapping[{{ app.str_ty }}, {{ app.str_ty }}] | None = None,
        timeout: {{ app.float_ty }} | None = None,
    ) -> {{ ret }}:
{%- endmacro -%}

{%- macro request(op, is_async) -%}
{% if is_async %}await {% endif %}self._apigend_client._apigend_request(
            {{ op.method }},
            {{ op.path }},
{%- if !op.params.is_empty() %}
            params=[
{%- for p in op.params %}
                ("{{ p.location }}", {{ p.wire }}, "{{ p.style }}", {{ p.explode }}, {{ p.arg }}),
{%- endfor %}
            ],
{%- endif %}
{%- if let Some(accept) = op.accept %}
            accept={{ accept }},
{%- endif %}
{%- if let Some(b) = op.body %}
            body=body,
            body_kind="{{ b.kind }}",
            body_type={{ b.ty }},
            content_type={{ b.content_type }},
{%- endif %}
            headers=headers,
            timeout=timeout,
        )
{%- endmacro -%}

{%- macro operation(app, op, is_async) %}
    {% call signature(app, op, op.name, is_async, op.ret) %}{% endcall %}
        """{{ op.doc }}"""
{%- match op.decode %}
{%- when Decode::Empty %}
        {% call request(op, is_async) %}{% endcall %}
{%- when Decode::Json(ty) %}
        _r = {% call request(op, is_async) %}{% endcall %}
        _v: {{ op.ret }} = self._apigend_client._apigend_json(_r, {{ ty }})
        return _v
{%- when Decode::Text %}
        _r = {% call request(op, is_async) %}{% endcall %}
        return _r.text
{%- when Decode::Binary %}
        _r = {% call request(op, is_async) %}{% endcall %}
        return _r.content
{%- endmatch %}
{%- if let Some(all_name) = op.all_name %}
{%- if let Some(item) = op.item %}

    {% if is_async %}{% call signature(app, op, all_name, is_async, op.all_ret_async) %}{% endcall %}{% else %}{% call signature(app, op, all_name, is_async, op.all_ret) %}{% endcall %}{% endif %}
        """{{ op.all_doc }}"""
        _r = {% call request(op, is_async) %}{% endcall %}
{%- if is_async %}
        async for _item in self._apigend_client._apigend_paginate(_r, {{ item }}, {% if let Some(a) = op.accept %}{{ a }}{% else %}None{% endif %}, headers, timeout):
            yield _item
{%- else %}
        yield from self._apigend_client._apigend_paginate(_r, {{ item }}, {% if let Some(a) = op.accept %}{{ a }}{% else %}None{% endif %}, headers, timeout)
{%- endif %}
{%- endif %}
{%- endif %}
{%- endmacro %}
