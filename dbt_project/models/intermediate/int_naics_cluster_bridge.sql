-- NAICS 2017 codes -> U.S. Cluster Mapping clusters (defined on NAICS 2007), through the
-- 2017 -> 2012 -> 2007 concordances. A 2017 code whose paths reach several clusters is
-- split equally between them (weight < 1, is_estimate); one that reaches none is a gap.
with crosswalk as (
    select * from {{ ref('stg_reference__industry_crosswalk') }}
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
),

clusters as (
    select cluster_code, cluster_name, cluster_type, industry_code as naics2007
    from {{ ref('stg_reference__cluster_definitions') }}
    where cluster_scheme = 'US_CMP' and industry_system = 'NAICS2007'
      and cluster_type in ('traded', 'local')
),

paths as (
    select distinct a.naics2017, c.cluster_code, c.cluster_name, c.cluster_type
    from to_2012 as a
    inner join to_2007 as b on a.naics2012 = b.naics2012
    inner join clusters as c on b.naics2007 = c.naics2007
),

weighted as (
    select
        naics2017,
        cluster_code,
        cluster_name,
        cluster_type,
        1.0 / count(*) over (partition by naics2017) as weight
    from paths
)

select
    naics2017,
    cluster_code,
    cluster_name,
    cluster_type,
    weight,
    weight < 1 as is_estimate
from weighted
