-- NAICS 2017 codes -> NAICS 2007 codes through the Census 2017 -> 2012 -> 2007 concordances
-- (the vintage of the U.S. Cluster Mapping definitions). A 2017 code without a 2012 link, or
-- whose 2012 links have no 2007 link, has naics2012 or naics2007 NULL, so gaps can say why.
with crosswalk as (
    select * from {{ ref('stg_reference__industry_crosswalk') }}
),

naics2017 as (
    select industry_code as naics2017
    from {{ ref('stg_reference__industry_codes') }}
    where industry_system = 'NAICS2017'
),

to_2012 as (
    select industry_code as naics2017, target_code as naics2012
    from crosswalk
    where industry_system = 'NAICS2017' and target_system = 'NAICS2012'
),

to_2007 as (
    select industry_code as naics2012, target_code as naics2007
    from crosswalk
    where industry_system = 'NAICS2012' and target_system = 'NAICS2007'
)

select distinct
    c.naics2017,
    a.naics2012,
    b.naics2007
from naics2017 as c
left join to_2012 as a on c.naics2017 = a.naics2017
left join to_2007 as b on a.naics2012 = b.naics2012
