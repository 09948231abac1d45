-- NAICS 2017 codes in the loaded statistics that reach no traded or local cluster of the
-- bundled U.S. Cluster Mapping definitions, with the employment they carry and why.
with cells as (
    select
        country, ref_year, industry_code,
        cast(sum(establishments) as bigint) as establishments,
        cast(sum(employees) as bigint) as employees
    from {{ ref('stg_landing__area_industry') }}
    where industry_system = 'NAICS2017'
    group by country, ref_year, industry_code
),

paths as (
    select
        p.naics2017,
        bool_or(p.naics2012 is not null) as has_2012_link,
        bool_or(p.naics2007 is not null) as has_2007_link,
        bool_or(d.cluster_type = 'subcluster_or_other') as in_subcluster
    from {{ ref('int_naics2017_to_naics2007') }} as p
    left join {{ ref('stg_reference__cluster_definitions') }} as d
        on d.industry_system = 'NAICS2007' and d.industry_code = p.naics2007
    group by p.naics2017
),

final as (
    select
        c.country,
        c.ref_year,
        'NAICS2017' as industry_system,
        c.industry_code,
        codes.industry_name,
        c.establishments,
        c.employees,
        case
            when not coalesce(p.has_2012_link, false) then 'no NAICS 2012 link'
            when not p.has_2007_link then 'no NAICS 2007 link'
            when p.in_subcluster then 'only in a subcluster or other group of the bundled definitions'
            else 'in no cluster of the bundled definitions (10 traded clusters are missing from this copy)'
        end as reason
    from cells as c
    left join paths as p on c.industry_code = p.naics2017
    left join {{ ref('stg_reference__industry_codes') }} as codes
        on codes.industry_system = 'NAICS2017' and codes.industry_code = c.industry_code
    where c.industry_code not in (select naics2017 from {{ ref('int_naics_cluster_bridge') }})
)

select * from final
