{#- Incremental builds per country x year partition.

    A partition's inputs are its landed statistics files and every reference table (landing.loads, by content
    hash): intermediate.int_partition_inputs gives each partition's fingerprint of them. A partitioned model
    (the `partitioned` configuration in models/intermediate/_intermediate.yml: incremental, append, these hooks) records, after each build, the fingerprints it was built from in
    intermediate.built_partitions; on the next build it rebuilds only the partitions whose fingerprint changed,
    and removes those that are gone. A new or changed year therefore costs that year; a changed reference table
    changes every fingerprint and rebuilds every partition. A change of the dbt project itself is a full refresh
    (the pipeline passes --full-refresh when the project's hash differs from the last build's). -#}

{#- Where every partitioned model (intermediate or mart) records what it was built from. -#}
{% macro built_partitions_schema() %}{{ var('built_partitions_schema') }}{% endmacro %}

{% macro built_partitions_relation() -%}
{{ adapter.get_relation(database=this.database, schema=built_partitions_schema(), identifier='built_partitions') or '' }}
{%- endmacro %}

{#- (country, ref_year) rows of the partitions this model builds in this run: all of them on a first build or a
    full refresh, else those whose inputs changed since this model's last build. -#}
{% macro partitions_to_build() -%}
{%- set built = built_partitions_relation() if is_incremental() else '' -%}
select p.country, p.ref_year
from {{ ref('int_partition_inputs') }} as p
{%- if built %}
left join {{ built }} as b
    on b.model = '{{ this.identifier }}' and b.country = p.country and b.ref_year = p.ref_year
where b.inputs_fingerprint is distinct from p.inputs_fingerprint
{%- endif %}
{%- endmacro %}

{#- A filter for a partitioned model's rows: true on a full build, the partitions to build otherwise. -#}
{% macro in_partitions_to_build(country='country', ref_year='ref_year') -%}
{%- if is_incremental() -%}
({{ country }}, {{ ref_year }}) in (select country, ref_year from ({{ partitions_to_build() }}))
{%- else -%}
true
{%- endif -%}
{%- endmacro %}

{#- Pre-hook: remove the rows of the partitions that are rebuilt and of those whose inputs are gone (nothing on a
    full build). The Python model int_disclosure_suppression does the same itself. -#}
{% macro remove_partitions_to_build() -%}
{%- if is_incremental() -%}
delete from {{ this }}
where (country, ref_year) in (select country, ref_year from ({{ partitions_to_build() }}))
   or (country, ref_year) not in (select country, ref_year from {{ ref('int_partition_inputs') }})
{%- endif -%}
{%- endmacro %}

{#- on-run-start: the table of what each partitioned model was built from. -#}
{% macro create_built_partitions() -%}
create schema if not exists {{ built_partitions_schema() }};
create table if not exists {{ built_partitions_schema() }}.built_partitions (
    model varchar, country varchar, ref_year integer, inputs_fingerprint varchar
)
{%- endmacro %}

{#- Post-hook: record the fingerprints this model is now built from. -#}
{% macro record_built_partitions() -%}
delete from {{ built_partitions_schema() }}.built_partitions where model = '{{ this.identifier }}';
insert into {{ built_partitions_schema() }}.built_partitions
select '{{ this.identifier }}', country, ref_year, inputs_fingerprint from {{ ref('int_partition_inputs') }}
{%- endmacro %}
