-- Published as computed in intermediate.int_partner_matches (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_partner_matches') }}
