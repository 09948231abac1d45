-- NAICS 2017 codes -> U.S. Cluster Mapping clusters (2014 definitions, keyed on NAICS 2012). A 2017
-- code split over several 2012 codes gives each cluster the parts of its 2012 codes in it (weight,
-- is_estimate); the parts that reach no cluster are a gap (marts.cluster_mapping_gaps).
with paths as (
    select * from {{ ref('int_naics2017_to_naics2012') }}
    where naics2012 is not null
),

clusters as (
    select cluster_code, cluster_name, cluster_type, industry_code as naics2012
    from {{ ref('stg_reference__cluster_definitions') }}
    where industry_system = 'NAICS2012'
)

select
    p.naics2017,
    c.cluster_code,
    max(c.cluster_name) as cluster_name,
    max(c.cluster_type) as cluster_type,
    round(sum(p.weight), 12) as weight,
    bool_or(p.is_split) as is_estimate
from paths as p
inner join clusters as c on p.naics2012 = c.naics2012
group by p.naics2017, c.cluster_code
