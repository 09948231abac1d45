-- NAICS 2017 codes in the loaded statistics that reach no traded or local cluster of the
-- bundled U.S. Cluster Mapping definitions, with the employment they carry and why.
with cells as (
    select country, ref_year, industry_code,
        cast(sum(establishments) as bigint) as establishments, cast(sum(employees) as bigint) as employees
    from {{ ref('stg_landing__area_industry') }}
    where industry_system = 'NAICS2017'
    group by country, ref_year, industry_code
),

crosswalk as (
    select * from {{ ref('stg_reference__industry_crosswalk') }}
),

to_2012 as (
    select distinct industry_code as naics2017, target_code as naics2012
    from crosswalk where industry_system = 'NAICS2017' and target_system = 'NAICS2012'
),

to_2007 as (
    select distinct a.naics2017, b.target_code as naics2007
    from to_2012 as a
    inner join crosswalk as b
        on b.industry_system = 'NAICS2012' and b.target_system = 'NAICS2007' and b.industry_code = a.naics2012
),

in_subcluster_only as (
    select distinct t.naics2017
    from to_2007 as t
    inner join {{ ref('stg_reference__cluster_definitions') }} as d
        on d.industry_system = 'NAICS2007' and d.industry_code = t.naics2007
    where d.cluster_type = 'subcluster_or_other'
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
            when c.industry_code not in (select naics2017 from to_2012) then 'no NAICS 2012 link'
            when c.industry_code not in (select naics2017 from to_2007) then 'no NAICS 2007 link'
            when c.industry_code in (select naics2017 from in_subcluster_only)
                then 'only in a subcluster or other group of the bundled definitions'
            else 'in no cluster of the bundled definitions (10 traded clusters are missing from this copy)'
        end as reason
    from cells as c
    left join {{ ref('stg_reference__industry_codes') }} as codes
        on codes.industry_system = 'NAICS2017' and codes.industry_code = c.industry_code
    where c.industry_code not in (select naics2017 from {{ ref('int_naics_cluster_bridge') }})
)

select * from final
