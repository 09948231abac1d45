-- What each country x year partition is built from: the content hashes of its landed statistics files and of
-- every reference table (landing.loads, through staging). Partitioned models (macros/partitions.sql) rebuild a partition when
-- its fingerprint changes.
{{ config(materialized="view") }}

with loads as (
    select catalogue_entry, country, ref_year, input_sha256 from {{ ref('stg_landing__loads') }}
),

reference as (
    select coalesce(string_agg(catalogue_entry || '=' || input_sha256, ';' order by catalogue_entry), '') as hashes
    from loads
    where ref_year is null
)

select
    l.country,
    l.ref_year,
    md5(string_agg(l.catalogue_entry || '=' || l.input_sha256, ';' order by l.catalogue_entry)
        || '|' || any_value(r.hashes)) as inputs_fingerprint
from loads as l
cross join reference as r
where l.ref_year is not null
group by l.country, l.ref_year
