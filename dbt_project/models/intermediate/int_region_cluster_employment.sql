-- U.S. cluster employment and establishments by region (county, BEA Economic Area, state), with the
-- region's traded or local employment and the nation's (the LQ terms of METHOD.md 1.4). Counties and
-- Economic Areas come from the county statistics (an Economic Area counts its loaded counties), states
-- from the state statistics. The nation is the national reference where one is loaded
-- (intermediate.int_industry_totals: for the U.S. the sum over the 50 states), otherwise the sum over
-- the loaded regions of the same type ('loaded_regions'); lq_reference says which.
with county_cells as (
    select * from {{ ref('stg_landing__area_industry') }}
    where industry_system = 'NAICS2017'
),

state_cells as (
    select * from {{ ref('stg_landing__region_industry') }}
    where industry_system = 'NAICS2017' and region_type = 'state'
),

areas as (
    select * from {{ ref('stg_reference__areas') }}
),

states as (
    select distinct country, region_code, region_name from areas where region_code is not null
),

bridge as (
    select * from {{ ref('int_naics_cluster_bridge') }}
),

county_clusters as (
    select
        c.country, c.ref_year, c.area_code, a.area_name, a.lma_code, a.lma_name,
        b.cluster_code, b.cluster_name, b.cluster_type, b.is_estimate,
        c.employees * b.weight as employees,
        c.establishments * b.weight as establishments,
        c.payroll * b.weight as payroll
    from county_cells as c
    inner join bridge as b on c.industry_code = b.naics2017
    left join areas as a on c.country = a.country and c.area_code = a.area_code
),

by_region as (
    select country, ref_year, 'county' as region_type, area_code as region_code, area_name as region_name,
           cluster_code, cluster_name, cluster_type, employees, establishments, payroll, is_estimate
    from county_clusters
    union all
    select country, ref_year, 'economic_area', lma_code, lma_name,
           cluster_code, cluster_name, cluster_type, employees, establishments, payroll, is_estimate
    from county_clusters
    where lma_code is not null
    union all
    select s.country, s.ref_year, 'state', s.region_code, st.region_name,
           b.cluster_code, b.cluster_name, b.cluster_type,
           s.employees * b.weight, s.establishments * b.weight, s.payroll * b.weight, b.is_estimate
    from state_cells as s
    inner join bridge as b on s.industry_code = b.naics2017
    left join states as st on s.country = st.country and s.region_code = st.region_code
),

region_cluster as (
    select
        country, ref_year, region_type, region_code,
        max(region_name) as region_name,
        cluster_code,
        max(cluster_name) as cluster_name,
        max(cluster_type) as cluster_type,
        sum(employees) as employees,
        sum(establishments) as establishments,
        sum(payroll) as payroll,
        bool_or(is_estimate) as is_estimate
    from by_region
    group by country, ref_year, region_type, region_code, cluster_code
),

national_clusters as (
    select
        t.country, t.ref_year, b.cluster_code, b.cluster_type, t.lq_reference,
        sum(t.industry_employees * b.weight) as nation_cluster_employees
    from {{ ref('int_industry_totals') }} as t
    inner join bridge as b on t.industry_code = b.naics2017
    where t.industry_system = 'NAICS2017'
    group by t.country, t.ref_year, b.cluster_code, b.cluster_type, t.lq_reference
),

national_types as (
    select
        country, ref_year, cluster_type, lq_reference,
        sum(nation_cluster_employees) as nation_type_employees
    from national_clusters
    group by country, ref_year, cluster_type, lq_reference
),

with_totals as (
    select
        r.*,
        sum(r.employees) over (partition by r.country, r.ref_year, r.region_type, r.region_code, r.cluster_type)
            as region_type_employees,
        sum(r.employees) over (partition by r.country, r.ref_year, r.region_type, r.cluster_code)
            as loaded_cluster_employees,
        sum(r.employees) over (partition by r.country, r.ref_year, r.region_type, r.cluster_type)
            as loaded_type_employees
    from region_cluster as r
)

select
    w.country, w.ref_year, w.region_type, w.region_code, w.region_name,
    w.cluster_code, w.cluster_name, w.cluster_type, w.employees, w.establishments, w.payroll, w.is_estimate,
    w.region_type_employees,
    case when t.country is not null then n.nation_cluster_employees else w.loaded_cluster_employees end
        as nation_cluster_employees,
    case when t.country is not null then t.nation_type_employees else w.loaded_type_employees end
        as nation_type_employees,
    case when t.country is not null then t.lq_reference else 'loaded_regions' end as lq_reference
from with_totals as w
left join national_types as t
    on w.country = t.country and w.ref_year = t.ref_year and w.cluster_type = t.cluster_type
left join national_clusters as n
    on w.country = n.country and w.ref_year = n.ref_year and w.cluster_code = n.cluster_code
    and t.lq_reference = n.lq_reference
