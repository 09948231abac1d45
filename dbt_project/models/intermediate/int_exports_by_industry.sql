-- Exports by area and industry. Exports given by industry keep their classification; exports
-- given by HS product are spread over the product's ISIC Rev.4 classes in equal parts
-- (is_estimate when a product links to several classes).
with exports as (
    select * from {{ ref('stg_landing__exports') }}
),

hs_links as (
    select * from {{ ref('int_hs_isic4') }}
),

by_industry as (
    select country, ref_year, area_code, product_system, product_system as industry_system,
           product_code as industry_code, export_value, false as is_estimate
    from exports
    where product_system <> 'HS'
    union all
    select x.country, x.ref_year, x.area_code, x.product_system, 'ISIC4', l.isic4_code,
           x.export_value * l.weight, l.weight < 1
    from exports as x
    inner join hs_links as l on x.product_code = l.hs_code
    where x.product_system = 'HS'
)

select
    country,
    ref_year,
    area_code,
    product_system,
    industry_system,
    industry_code,
    sum(export_value) as export_value,
    bool_or(is_estimate) as is_estimate
from by_industry
group by country, ref_year, area_code, product_system, industry_system, industry_code
