-- Areas with their labour-market area: from a loaded municipality -> LMA map where there is one (of
-- several maps of a country, the one with the highest priority: an office's own map in the input folder
-- before the bundled ISTAT SLL 2021), otherwise from the area list itself. A map keyed on a newer geography's codes (ISTAT's SLL 2021
-- uses today's municipality codes) reaches the listed areas through reference.area_code_changes.
with areas as (
    select * from {{ ref('stg_reference__areas') }}
),

changes as (
    select * from {{ ref('stg_reference__area_code_changes') }}
),

lma as (
    select * from {{ ref('stg_reference__area_lma') }}
    qualify priority = max(priority) over (partition by country)
),

specialisation as (
    select * from {{ ref('stg_reference__lma_specialisation') }}
),

areas_keyed as (
    select
        a.*,
        coalesce(c.new_area_code, a.area_code) as lma_map_code
    from areas as a
    left join changes as c on a.country = c.country and a.area_code = c.area_code
)

select
    a.country,
    a.area_code,
    a.area_name,
    coalesce(m.lma_code, a.lma_code) as lma_code,
    coalesce(m.lma_name, a.lma_name) as lma_name,
    m.geo_vintage,
    s.specialisation_group as lma_specialisation_group,
    s.specialisation_group_name as lma_specialisation_group_name,
    a.province_code,
    a.region_code,
    a.region_name,
    a.nuts_code
from areas_keyed as a
left join lma as m on a.country = m.country and a.lma_map_code = m.area_code
left join specialisation as s
    on m.country = s.country and m.geo_vintage = s.geo_vintage and m.lma_code = s.lma_code
