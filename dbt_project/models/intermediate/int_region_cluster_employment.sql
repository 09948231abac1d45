-- U.S. cluster employment and establishments by region (county and BEA Economic Area),
-- with the region's traded or local employment (the LQ denominator of METHOD.md 1.4).
with cells as (
    select * from {{ ref('stg_landing__area_industry') }}
    where industry_system = 'NAICS2017'
),

areas as (
    select * from {{ ref('stg_reference__areas') }}
),

bridge as (
    select * from {{ ref('int_naics_cluster_bridge') }}
),

cell_clusters as (
    select
        c.country,
        c.ref_year,
        c.area_code,
        a.area_name,
        a.lma_code,
        a.lma_name,
        b.cluster_code,
        b.cluster_name,
        b.cluster_type,
        b.is_estimate,
        c.employees * b.weight as employees,
        c.establishments * b.weight as establishments
    from cells as c
    inner join bridge as b on c.industry_code = b.naics2017
    left join areas as a on c.country = a.country and c.area_code = a.area_code
),

by_region as (
    select country, ref_year, 'county' as region_type, area_code as region_code, area_name as region_name,
           cluster_code, cluster_name, cluster_type, employees, establishments, is_estimate
    from cell_clusters
    union all
    select country, ref_year, 'economic_area', lma_code, lma_name,
           cluster_code, cluster_name, cluster_type, employees, establishments, is_estimate
    from cell_clusters
    where lma_code is not null
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
        bool_or(is_estimate) as is_estimate
    from by_region
    group by country, ref_year, region_type, region_code, cluster_code
)

select
    *,
    sum(employees) over (partition by country, ref_year, region_type, region_code, cluster_type)
        as region_type_employees,
    sum(employees) over (partition by country, ref_year, region_type, cluster_code)
        as nation_cluster_employees,
    sum(employees) over (partition by country, ref_year, region_type, cluster_type)
        as nation_type_employees
from region_cluster
