-- NAICS 2017 codes of the loaded statistics (county and state files) whose employment reaches no traded
-- or local cluster of the 2014 U.S. Cluster Mapping definitions, wholly or in part (a code split over
-- several NAICS 2012 codes some of which are in no cluster), with the employment concerned and why.
with cells as (
    select country, ref_year, 'county' as region_type, industry_code, establishments, employees
    from {{ ref('stg_landing__area_industry') }}
    where industry_system = 'NAICS2017'
    union all
    select country, ref_year, region_type, industry_code, establishments, employees
    from {{ ref('stg_landing__region_industry') }}
    where industry_system = 'NAICS2017'
),

by_code as (
    select
        country, ref_year, region_type, industry_code,
        cast(sum(establishments) as bigint) as establishments,
        cast(sum(employees) as bigint) as employees
    from cells
    group by country, ref_year, region_type, industry_code
),

paths as (
    select
        p.naics2017,
        count(p.naics2012) as naics2012_links,
        count(d.cluster_code) as clustered_links,
        string_agg(case when p.naics2012 is not null and d.cluster_code is null then p.naics2012 end, ', '
                   order by p.naics2012) as unclustered_naics2012,
        coalesce(sum(case when p.naics2012 is not null and d.cluster_code is null then p.weight end), 0)
            as unassigned_weight
    from {{ ref('int_naics2017_to_naics2012') }} as p
    left join {{ ref('stg_reference__cluster_definitions') }} as d
        on d.industry_system = 'NAICS2012' and d.industry_code = p.naics2012
    group by p.naics2017
),

final as (
    select
        c.country,
        c.ref_year,
        c.region_type,
        'NAICS2017' as industry_system,
        c.industry_code,
        codes.industry_name,
        c.establishments,
        c.employees,
        round(case when coalesce(p.naics2012_links, 0) = 0 then 1.0 else p.unassigned_weight end, 6)
            as unassigned_share,
        round(c.employees * case when coalesce(p.naics2012_links, 0) = 0 then 1.0 else p.unassigned_weight end, 4)
            as unassigned_employees,
        case
            when coalesce(p.naics2012_links, 0) = 0 then 'no NAICS 2012 link in the Census 2017 -> 2012 concordance'
            when p.clustered_links = 0 then
                'NAICS 2012 ' || p.unclustered_naics2012 || ' is in no cluster of the 2014 definitions'
            else 'split over ' || p.naics2012_links || ' NAICS 2012 codes, of which ' || p.unclustered_naics2012
                || ' in no cluster of the 2014 definitions'
        end as reason
    from by_code as c
    left join paths as p on c.industry_code = p.naics2017
    left join {{ ref('stg_reference__industry_codes') }} as codes
        on codes.industry_system = 'NAICS2017' and codes.industry_code = c.industry_code
    where coalesce(p.naics2012_links, 0) = 0 or p.unassigned_weight > 0
)

select * from final
