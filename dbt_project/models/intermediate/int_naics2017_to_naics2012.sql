-- NAICS 2017 codes -> NAICS 2012 codes (the vintage of the U.S. Cluster Mapping definitions) through
-- the Census 2017 -> 2012 concordance. A 2017 code linked to several 2012 codes gives each an equal
-- part (weight 1/n; the Project splits its own crosswalks the same way). A 2017 code without a 2012
-- link has naics2012 NULL, so that gaps can say why.
with crosswalk as (
    select industry_code as naics2017, target_code as naics2012
    from {{ ref('stg_reference__industry_crosswalk') }}
    where industry_system = 'NAICS2017' and target_system = 'NAICS2012'
),

naics2017 as (
    select industry_code as naics2017
    from {{ ref('stg_reference__industry_codes') }}
    where industry_system = 'NAICS2017'
),

links as (
    select distinct c.naics2017, x.naics2012
    from naics2017 as c
    left join crosswalk as x on c.naics2017 = x.naics2017
)

select
    naics2017,
    naics2012,
    case when naics2012 is not null then 1.0 / count(naics2012) over (partition by naics2017) end as weight,
    count(naics2012) over (partition by naics2017) > 1 as is_split
from links
