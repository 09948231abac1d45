-- Areas with their labour-market area: from a loaded municipality -> LMA map where there is one,
-- otherwise from the area list itself.
with areas as (
    select * from {{ ref('stg_reference__areas') }}
),

lma as (
    select * from {{ ref('stg_reference__area_lma') }}
)

select
    a.country,
    a.area_code,
    a.area_name,
    coalesce(m.lma_code, a.lma_code) as lma_code,
    coalesce(m.lma_name, a.lma_name) as lma_name,
    m.geo_vintage,
    a.province_code,
    a.region_code,
    a.region_name,
    a.nuts_code
from areas as a
left join lma as m on a.country = m.country and a.area_code = m.area_code
