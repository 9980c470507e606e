"""The social organization's part of the site: registration (注册审核), profile, volunteers, villages."""
