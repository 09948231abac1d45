-- NAICS 2017 codes -> U.S. Cluster Mapping clusters (defined on NAICS 2007). A 2017 code whose
-- paths reach several clusters is split equally between them (weight < 1, is_estimate); one
-- that reaches none is a gap (marts.cluster_mapping_gaps).
with paths as (
    select * from {{ ref('int_naics2017_to_naics2007') }}
    where naics2007 is not null
),

clusters as (
    select cluster_code, cluster_name, cluster_type, industry_code as naics2007
    from {{ ref('stg_reference__cluster_definitions') }}
    where cluster_scheme = 'US_CMP' and industry_system = 'NAICS2007'
      and cluster_type in ('traded', 'local')
),

code_clusters as (
    select distinct p.naics2017, c.cluster_code, c.cluster_name, c.cluster_type
    from paths as p
    inner join clusters as c on p.naics2007 = c.naics2007
),

weighted as (
    select
        naics2017,
        cluster_code,
        cluster_name,
        cluster_type,
        1.0 / count(*) over (partition by naics2017) as weight
    from code_clusters
)

select
    naics2017,
    cluster_code,
    cluster_name,
    cluster_type,
    weight,
    weight < 1 as is_estimate
from weighted
