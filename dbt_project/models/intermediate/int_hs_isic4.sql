-- HS products -> ISIC Rev.4 classes from the loaded crosswalk, with the share of a product's value
-- that goes to each class: equal parts over its links (exports and imports by product are spread
-- this way, and flagged as estimates where a product has several links).
select
    industry_code as hs_code,
    target_code as isic4_code,
    1.0 / count(*) over (partition by industry_code) as weight
from {{ ref('stg_reference__industry_crosswalk') }}
where industry_system = 'HS' and target_system = 'ISIC4'
